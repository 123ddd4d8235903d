import { execFile } from "node:child_process"

/** Runs a command and resolves with its stdout; a failure names the command and its stderr. */
export const sh = (command: string, args: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) =>
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.slice(0, 3).join(" ")}: ${stderr || error.message}`))
        : resolve(stdout)
    )
  )
