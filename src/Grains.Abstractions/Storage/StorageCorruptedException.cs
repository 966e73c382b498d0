namespace Duragent.Storage;

/// <summary>
/// Stored data could not be read back: a state file that does not parse, an event log line that is not a valid
/// event, a sequence gap. The message names the place (file and line, or table and key). Never turned into an
/// empty result: the grain's activation fails with it, and an operator has to look at the data.
/// </summary>
/// <remarks>Orleans-serialized: grain calls rethrow it at the caller with <see cref="Location"/> and <see cref="Line"/> intact.</remarks>
[GenerateSerializer]
[Alias("duragent.storage-corrupted-exception")]
public class StorageCorruptedException : Exception
{
    public StorageCorruptedException()
    {
    }

    public StorageCorruptedException(string message)
        : base(message)
    {
    }

    public StorageCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageCorruptedException(string message, string location, long? line, Exception? innerException = null)
        : base(message, innerException)
    {
        Location = location;
        Line = line;
    }

    /// <summary>Where the bad data is: a file path, or a table and key.</summary>
    [Id(0)]
    public string? Location { get; }

    /// <summary>The 1-based line in <see cref="Location"/>, when it is a file.</summary>
    [Id(1)]
    public long? Line { get; }
}
