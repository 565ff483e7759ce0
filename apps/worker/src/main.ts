// Placeholder until the worker lands: the API already enqueues process-item jobs.
console.error('the worker is not implemented yet');
process.exit(1);
