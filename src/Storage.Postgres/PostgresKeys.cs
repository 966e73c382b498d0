using Duragent.Storage.File;
using Orleans.Runtime;

namespace Duragent.Storage.Postgres;

/// <summary>
/// Grain type and key of a grain id as table columns, checked with <see cref="GrainKey"/> exactly as the file provider
/// checks the folder names, so that anything one provider stores the other can store too (storage copy).
/// </summary>
internal static class PostgresKeys
{
    public static (string Type, string Key) Of(GrainId grainId) => FileLayout.Names(grainId);
}
