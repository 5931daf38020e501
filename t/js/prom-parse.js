// Reads Prometheus' text format on stdin and prints the families as JSON,
// with parse-prometheus-text-format: a parser that is not ours.
'use strict';
const parse = require('parse-prometheus-text-format');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { text += d; });
process.stdin.on('end', () => {
    try {
        process.stdout.write(JSON.stringify(parse(text)) + '\n');
    } catch (e) {
        process.stderr.write('parse error: ' + e.message + '\n');
        process.exit(1);
    }
});
