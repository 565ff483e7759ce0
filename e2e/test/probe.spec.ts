import { actionsLibraries } from '../workflows/actions-libraries';
it('loads', async () => {
  const { expressions } = await actionsLibraries();
  expect(typeof expressions.Evaluator).toBe('function');
});
