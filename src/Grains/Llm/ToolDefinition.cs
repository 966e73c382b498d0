using System.Text.Json;

namespace Duragent.Llm;

/// <summary>A tool the model may call.</summary>
/// <param name="Name">The tool name the model uses in its calls.</param>
/// <param name="Description">What the tool does, for the model.</param>
/// <param name="Parameters">The JSON Schema (an object schema) of the arguments.</param>
public sealed record ToolDefinition(string Name, string Description, JsonElement Parameters)
{
    /// <summary>Builds a definition from JSON Schema text.</summary>
    public static ToolDefinition Create(string name, string description, string parametersSchemaJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(parametersSchemaJson);
        using var document = JsonDocument.Parse(parametersSchemaJson);
        return new ToolDefinition(name, description ?? string.Empty, document.RootElement.Clone());
    }
}
