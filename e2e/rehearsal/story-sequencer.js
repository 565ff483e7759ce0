// Stories run in the order of their file names, the same on every machine.
const Sequencer = require('@jest/test-sequencer').default;

class StorySequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
}

module.exports = StorySequencer;
