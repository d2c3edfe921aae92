'use strict';
// The compiled addon (src/addon.cc), built by scripts/build.js at install.
const path = require('node:path');

module.exports = require(process.env.CONFAI_NODE_ADDON ||
  path.join(__dirname, 'build', 'Release', 'confai.node'));
