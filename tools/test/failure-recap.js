// Collects Jest's failure reports from the output of a whole run, so `npm test` can print them again at its end:
// projects' outputs arrive as each finishes, and one that fails early is otherwise buried under the longest one's.
'use strict';

const ANSI = /\x1b\[[0-9;]*m/g;
const LINES_PER_FAILURE = 40;

class FailureRecap {
  constructor() {
    this.failures = [];
    this.current = null;
  }

  line(raw) {
    const line = raw.replace(ANSI, '');
    // A failure starts at "● suite › test" (Jest's console blocks start with "● Console" and are not failures)
    // and ends at a project's next file or summary.
    if (/^\s*● (?!Console\b)/.test(line)) {
      this.current = [line.trim()];
      this.failures.push(this.current);
    } else if (/^\s*(PASS|FAIL) |^Test Suites:/.test(line)) {
      this.current = null;
    } else if (this.current && this.current.length < LINES_PER_FAILURE) {
      this.current.push(line);
    }
  }

  report() {
    if (this.failures.length === 0) return '';
    const blocks = this.failures.map((lines) => lines.join('\n').trimEnd());
    return `\n[test] ${blocks.length} failing test(s), again:\n\n${blocks.join('\n\n')}\n`;
  }
}

module.exports = { FailureRecap };
