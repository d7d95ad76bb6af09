// The peer of bench_template's command-line figures: mustache.js renders
// TEMPLATE with the JSON in DATA and prints the result, as `digest
// template render --data DATA TEMPLATE` does. Partials are read from
// TEMPLATE's folder as NAME.mustache, each once (digest compiles each
// once too). Its escaping is set to digest's (& < > " '; mustache.js's
// own also escapes / ` =), so that both print the same bytes and the
// bench can check that they do. The render's own milliseconds (without
// node's startup, reading the files and parsing the JSON) go to TIMING.
// usage: node mustache_render.js MUSTACHE_JS TEMPLATE DATA [TIMING]
'use strict';
const fs = require('fs');
const path = require('path');

const [mustacheJs, templatePath, dataPath, timingPath] = process.argv.slice(2);
const Mustache = require(path.resolve(mustacheJs));
const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
Mustache.escape = (s) => String(s).replace(/[&<>"']/g, (c) => escapes[c]);

const dir = path.dirname(templatePath);
const partials = new Map();
function partial(name) {
  if (!partials.has(name)) {
    let text;
    try {
      text = fs.readFileSync(path.join(dir, name + '.mustache'), 'utf8');
    } catch (e) {
      text = undefined; // a missing partial renders as nothing
    }
    partials.set(name, text);
  }
  return partials.get(name);
}

const template = fs.readFileSync(templatePath, 'utf8');
const data = JSON.parse(fs.readFileSync(dataPath, 'utf8'));
const t0 = process.hrtime.bigint();
const out = Mustache.render(template, data, partial);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(out);
if (timingPath) fs.writeFileSync(timingPath, ms.toFixed(3) + '\n');
