using System.CommandLine;
using Duragent.Cli.Doctor;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent doctor [--format text|json] [--offline]</c>: checks the workspace; exits 1 when a check errors.</summary>
internal static class DoctorCommand
{
    public static Command Create(CommandBinder binder)
    {
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text", HelpName = "FORMAT" };
        format.AcceptOnlyFromAmong("text", "json");
        var offline = new Option<bool>("--offline") { Description = "Do not contact the agents' model endpoints" };
        var command = new Command("doctor", "Check the configuration, agents, credentials, model endpoints, server and security settings") { format, offline };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            using var probe = context.GetValue(offline) ? null : new EndpointProbe();
            var report = await DoctorChecks.RunAsync(context, null, probe, cancellationToken);
            context.Console.Out.Write(context.GetValue(format) == "json" ? report.ToJson() : report.ToText(context.Console.OutputColors));
            return report.Status == CheckStatus.Error ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }
}
