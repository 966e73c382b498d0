using Duragent.Agents;
using System.Text.Json;
using System.Text.Json.Serialization;
using Duragent.Gateway.Http.Problems;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Gateway.Http.Json;

/// <summary>
/// Source-generated JSON metadata of the gateway's own bodies, with the same conventions as
/// <see cref="SessionJsonContext"/> (snake_case names and enum values, nulls left out). Both are chained into the
/// HTTP JSON options (see <see cref="GatewayJson"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(SnakeCaseEnumConverter<OnDisconnect>), typeof(SnakeCaseEnumConverter<ApprovalChoice>), typeof(SnakeCaseEnumConverter<SessionStatus>),
        typeof(SnakeCaseEnumConverter<SchedulePayload>), typeof(SnakeCaseEnumConverter<CatchUpPolicy>), typeof(SnakeCaseEnumConverter<BusyPolicy>),
        typeof(SnakeCaseEnumConverter<ScheduleRunStatus>)])]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(CreateSessionRequest))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(DecideApprovalRequest))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(AgentList))]
[JsonSerializable(typeof(AgentDetail))]
[JsonSerializable(typeof(CancelResult))]
[JsonSerializable(typeof(StreamTokenResult))]
[JsonSerializable(typeof(ShutdownStatus))]
[JsonSerializable(typeof(ReloadResult))]
[JsonSerializable(typeof(ReadyStatus))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(SessionEventsPage))]
[JsonSerializable(typeof(ScheduleRequest))]
[JsonSerializable(typeof(ScheduleInfo))]
[JsonSerializable(typeof(ScheduleList))]
[JsonSerializable(typeof(ScheduleRun))]
[JsonSerializable(typeof(ScheduleRunList))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
