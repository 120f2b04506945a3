#!/usr/bin/env node
// The `nestjs-keycard` bin: `npx nestjs-keycard doctor <mcp-url> [--token T]`.
import { runDoctorCommand } from './doctor.command.js';

process.exitCode = await runDoctorCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
