using System.Text.Json;
using System.Text.Json.Serialization;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Integration.Tests.Http;

/// <summary>
/// Source-generated JSON metadata for everything the client sends and reads: snake_case names and enum values,
/// nulls omitted, the same settings as <see cref="SessionJson"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(SnakeCaseEnumConverter<SessionStatus>), typeof(SnakeCaseEnumConverter<OnDisconnect>),
        typeof(SnakeCaseEnumConverter<ApprovalChoice>), typeof(SnakeCaseEnumConverter<ToolOutcome>), typeof(SnakeCaseEnumConverter<TurnOutcome>)])]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(ServerVersion))]
[JsonSerializable(typeof(AgentList))]
[JsonSerializable(typeof(AgentSummary))]
[JsonSerializable(typeof(AgentDetail))]
[JsonSerializable(typeof(ShutdownStatus))]
[JsonSerializable(typeof(ReloadResult))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(CreateSessionRequest))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(MessageAccepted))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(TurnResult))]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(CancelResult))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class HttpApiJsonContext : JsonSerializerContext;
