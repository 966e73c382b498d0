using Duragent.Sessions;

namespace Duragent.Storage.File.Tests;

/// <summary>A state class with the shapes grains use: scalars, enums, times, lists, dictionaries, nested objects.</summary>
public sealed class ContractState
{
    public string Name { get; set; } = "";

    public int Count { get; set; }

    public SessionStatus Status { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public TimeSpan Timeout { get; set; }

    public List<string> Items { get; set; } = [];

    public Dictionary<string, string> Labels { get; set; } = [];

    public ContractChild? Child { get; set; }

    public string? Note { get; set; }
}

public sealed class ContractChild
{
    public string Role { get; set; } = "";

    public string Content { get; set; } = "";
}
