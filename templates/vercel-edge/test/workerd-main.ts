// Only for the tests: workerd needs a main module; the tests import the
// functions in api/ and call them directly.
export default {
  fetch: (): Response => Response.json({ error: 'the tests call the functions in api/ directly' }, { status: 404 }),
};
