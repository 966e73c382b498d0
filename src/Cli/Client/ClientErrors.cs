using Duragent.Node;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Storage;

namespace Duragent.Cli.Client;

/// <summary>The errors a client command prints as one line (no stack trace): answers of the server, and its absence.</summary>
internal static class ClientErrors
{
    /// <summary>True for errors whose message is meant for the user.</summary>
    public static bool IsReportable(Exception exception) => exception is ServerUnavailableException or CliException
        or SessionException or ScheduleException or NodeStoppingException or StorageUnavailableException or ArgumentException;
}
