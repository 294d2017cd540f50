// Online bin packing benchmark (FunSearch-style). Items arrive one at a time; each goes into
// the open bin with the highest priority(item, space, capacity), where a fresh empty bin is
// always one of the choices. Genesis evolves priority(); fewer bins is better.

// The evaluator calls it by name, so nothing here uses it.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
function priority(item, space, capacity) {
  const rest = space - item;
  // Best fit, softened: reward near-perfect fits, penalise leaving a gap few items can use.
  const tight = Math.exp(-rest / 3.0);
  const awkward = Math.exp(-((rest - 15.0) ** 2) / 200.0);
  const fresh = space === capacity ? 1.0 : 0.0;
  return -0.5 * rest + 30.0 * tight - 30.0 * awkward - 0.0 * fresh;
}
