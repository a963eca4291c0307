#!/usr/bin/env node
// Committed (not built), so that installing links the command before the first build.
import "../dist/main.js";
