// The build's half of src/scaffold/template-registry.ts: that module lists
// every templates/<name>/template.ts through Vite's import.meta.glob (for
// vitest); esbuild has no glob imports, so this plugin replaces the module
// with the same list, read from the folders now. The templates' facts are
// then bundled into the CLI like any other module: no TypeScript is loaded,
// and no folder is read for them, when the CLI runs.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { TEMPLATE_CONFIG_FILE } from '../src/scaffold/template-config.ts';

/** The folders under `templatesDir` that hold a template.ts: the templates. */
export function templateFolders(templatesDir: string): string[] {
  return readdirSync(templatesDir)
    .filter((name) => existsSync(path.join(templatesDir, name, TEMPLATE_CONFIG_FILE)))
    .sort();
}

/** The registry module's source for the templates under `templatesDir`. */
export function registrySource(templatesDir: string): string {
  const names = templateFolders(templatesDir);
  const imports = names.map((name, i) => `import t${i} from ${JSON.stringify(path.join(templatesDir, name, TEMPLATE_CONFIG_FILE))};`);
  const list = names.map((name, i) => `{ name: ${JSON.stringify(name)}, config: t${i} }`);
  return `${imports.join('\n')}\nexport const TEMPLATE_CONFIGS = [${list.join(', ')}];\n`;
}

export function templateRegistryPlugin(templatesDir: string): Plugin {
  return {
    name: 'template-registry',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]scaffold[\\/]template-registry\.ts$/ }, () => ({
        contents: registrySource(templatesDir),
        loader: 'ts',
        resolveDir: templatesDir,
        watchDirs: [templatesDir],
      }));
    },
  };
}
