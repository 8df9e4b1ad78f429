#!/usr/bin/env node
// The compiled entry point; `npm install` builds dist/ (the prepare script).
import '../dist/main.js';
