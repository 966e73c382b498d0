using Microsoft.Extensions.Logging;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>The gateway's log messages (event ids 5000–5099). Tokens never appear in them.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Duragent HTTP gateway listening on {Addresses} (workspace {WorkspaceHash})")]
    public static partial void LogInformationListening(ILogger logger, string addresses, string workspaceHash);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly (trace {TraceId})")]
    public static partial void LogErrorUnhandled(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "{Method} {Path} failed after the response started; the connection is aborted (trace {TraceId})")]
    public static partial void LogWarningFailedAfterStart(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {Remote}: {Reason}")]
    public static partial void LogWarningAuthRefused(ILogger logger, string method, string path, string remote, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Shutdown requested through the admin API by {Remote}")]
    public static partial void LogInformationShutdownRequested(ILogger logger, string remote);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Agents reloaded through the admin API: {Valid} loaded, {Invalid} with errors")]
    public static partial void LogInformationAgentsReloaded(ILogger logger, int valid, int invalid);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Debug, Message = "SSE stream of session {SessionId} opened for {Remote} after seq {AfterSeq} (attach: {Attach})")]
    public static partial void LogDebugStreamOpened(ILogger logger, string sessionId, string remote, long afterSeq, bool attach);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "SSE stream of session {SessionId} for {Remote} ended after {Events} events ({Reason})")]
    public static partial void LogDebugStreamClosed(ILogger logger, string sessionId, string remote, long events, string reason);
}
