using System.Text.Json;

namespace Duragent.Tools;

/// <summary>Reads the model's tool arguments (a JSON object): a member of the wrong type reads as absent.</summary>
internal static class ToolArguments
{
    /// <summary>The string member <paramref name="name"/>, or null.</summary>
    public static string? String(JsonElement arguments, string name) =>
        arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>The whole-number member <paramref name="name"/> (32 bits), or null.</summary>
    public static int? Int(JsonElement arguments, string name) =>
        arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;
}
