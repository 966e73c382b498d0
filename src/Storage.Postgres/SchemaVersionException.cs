namespace Duragent.Storage.Postgres;

/// <summary>
/// The database's Duragent schema is not the one this build needs: older (run <c>duragent db migrate</c>) or newer
/// (upgrade duragent). The message says which and names the fix.
/// </summary>
public sealed class SchemaVersionException : Exception
{
    public SchemaVersionException()
    {
    }

    public SchemaVersionException(string message)
        : base(message)
    {
    }

    public SchemaVersionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SchemaVersionException(int foundVersion, int requiredVersion, string message)
        : base(message)
    {
        FoundVersion = foundVersion;
        RequiredVersion = requiredVersion;
    }

    /// <summary>The version found in the database (0: none).</summary>
    public int FoundVersion { get; }

    /// <summary>The version this build needs.</summary>
    public int RequiredVersion { get; }
}
