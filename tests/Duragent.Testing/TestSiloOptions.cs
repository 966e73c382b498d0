namespace Duragent.Testing;

/// <summary>How <see cref="TestSilo.StartAsync"/> sets up the silo.</summary>
public sealed class TestSiloOptions
{
    /// <summary>
    /// Store grain state, events and reminders with the file storage provider under <see cref="Directory"/> instead of
    /// the in-memory stores. Off by default. This is the one switch between the two (see <see cref="TestSilo"/>).
    /// </summary>
    public bool UseFileStorage { get; set; }

    /// <summary>Run on this directory instead of a fresh temporary one (which the silo deletes on dispose).</summary>
    public string? Directory { get; set; }

    /// <summary>Use this clock instead of a new <see cref="FakeTimeProvider"/> (e.g. to share it with another silo).</summary>
    public FakeTimeProvider? Clock { get; set; }

    /// <summary>Use these in-memory stores instead of new ones (e.g. to restart on the same data).</summary>
    public InMemoryStorage? InMemoryStorage { get; set; }
}
