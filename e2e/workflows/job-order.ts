/**
 * The order GitHub runs jobs in: a job starts once every job it `needs` has finished. Returns the
 * ids in an order that respects `needs` (file order among jobs ready together), or fails naming
 * an unknown need or a cycle, as GitHub refuses such a workflow.
 */
export function jobOrder(jobs: { id: string; needs: string[] }[]): string[] {
  const ids = new Set(jobs.map((job) => job.id));
  for (const job of jobs) {
    const unknown = job.needs.filter((need) => !ids.has(need));
    if (unknown.length > 0) {
      throw new Error(`job ${job.id} needs unknown job(s): ${unknown.join(', ')}`);
    }
  }
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < jobs.length) {
    const ready = jobs.filter(
      (job) => !done.has(job.id) && job.needs.every((need) => done.has(need)),
    );
    if (ready.length === 0) {
      const stuck = jobs.filter((job) => !done.has(job.id)).map((job) => job.id);
      throw new Error(`the needs of jobs ${stuck.join(', ')} form a cycle`);
    }
    for (const job of ready) {
      done.add(job.id);
      order.push(job.id);
    }
  }
  return order;
}
