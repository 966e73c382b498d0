// duragent: the one executable. `serve` hosts the silo and the HTTP gateway in this process; every other
// command is a client of a server (found, or started in the background, by the launcher). See docs/cli.md.
return await Duragent.Cli.CliApp.RunAsync(args);
