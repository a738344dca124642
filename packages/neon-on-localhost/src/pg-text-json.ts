// Neon's answer without Neon-Raw-Text-Output: Postgres' text for every value,
// except bool, int2/int4, finite float4/float8 and json/jsonb, which become
// JSON values, and arrays of them, which become JSON arrays (Neon's
// proxy/src/serverless/json.rs, pg_text_to_json). int8 and numeric stay text.

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const FLOAT4 = 700;
const FLOAT8 = 701;
const JSON_OID = 114;
const JSONB = 3802;

/** Array type OIDs of the built-in types, to their element type. */
const ARRAY_ELEMENTS: Record<number, number> = {
  1000: BOOL,
  1005: INT2,
  1007: INT4,
  1021: FLOAT4,
  1022: FLOAT8,
  199: JSON_OID,
  3807: JSONB,
  // Text elements: the array structure is still parsed, as Neon does for every array type.
  1001: 17,
  1002: 18,
  1003: 19,
  1009: 25,
  1014: 1042,
  1015: 1043,
  1016: 20,
  1028: 26,
  1115: 1114,
  1182: 1082,
  1183: 1083,
  1185: 1184,
  1187: 1186,
  1231: 1700,
  1270: 1266,
  2951: 2950,
  1041: 869,
  651: 650,
  1040: 829,
};

export function pgTextToJson(text: string, typeId: number): unknown {
  const element = ARRAY_ELEMENTS[typeId];
  if (element !== undefined) return parseArray(text, element);
  return scalar(text, typeId);
}

function scalar(text: string, typeId: number): unknown {
  switch (typeId) {
    case BOOL:
      return text === 't';
    case INT2:
    case INT4:
      return Number.parseInt(text, 10);
    case FLOAT4:
    case FLOAT8: {
      const n = Number(text);
      return Number.isFinite(n) ? n : text; // NaN and ±Infinity stay text, as in Neon
    }
    case JSON_OID:
    case JSONB:
      return JSON.parse(text);
    default:
      return text;
  }
}

/** `{1,NULL,"a \"b\""}`, nested, with optional `[l:u]=` bounds (dropped, as Neon drops them). */
function parseArray(text: string, element: number): unknown[] {
  let i = 0;
  let s = text;
  if (s.startsWith('[')) s = s.slice(s.indexOf('=') + 1);
  s = s.trimStart();
  const fail = () => new Error(`unbalanced array: ${text.slice(0, 40)}`);
  const list = (): unknown[] => {
    if (s[i] !== '{') throw fail();
    i++;
    const out: unknown[] = [];
    if (s[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      while (s[i] === ' ') i++;
      if (s[i] === '{') out.push(list());
      else if (s[i] === '"') {
        let value = '';
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          value += s[i++];
        }
        if (i >= s.length) throw fail();
        i++;
        out.push(scalar(value, element));
      } else {
        const start = i;
        while (i < s.length && s[i] !== ',' && s[i] !== '}') i++;
        const item = s.slice(start, i).trimEnd();
        out.push(item === 'NULL' ? null : scalar(item, element));
      }
      while (s[i] === ' ') i++;
      if (s[i] === ',') i++;
      else if (s[i] === '}') {
        i++;
        return out;
      } else throw fail();
    }
  };
  return list();
}
