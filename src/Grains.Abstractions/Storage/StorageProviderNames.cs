namespace Duragent.Storage;

/// <summary>Names under which storage providers are registered (keyed services).</summary>
public static class StorageProviderNames
{
    /// <summary>The provider used when a <c>[PersistentState]</c> names none: <c>Default</c>.</summary>
    public const string Default = "Default";
}
