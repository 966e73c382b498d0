return await Duragent.Cli.CliApp.RunAsync(args);
