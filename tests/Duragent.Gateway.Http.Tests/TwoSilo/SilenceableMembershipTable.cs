using Orleans.Runtime;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// One silo's view of the cluster's membership table that can be cut off. The test cluster's "kill"
/// (<c>InProcessTestCluster.KillSiloAsync</c>) is an ungraceful host stop: the dying silo still writes itself
/// <c>Stopping</c> and then <c>Dead</c> into the table, so the others learn of its death at once. A crashed process
/// writes nothing. Silencing this table before the kill drops every write of the dying silo (reported as done: a
/// failed write would make Orleans retry it for a minute while the silo keeps answering probes), so its row stays
/// <c>Active</c> and the surviving silo has to find out through Orleans' failure detector (missed probes, a death
/// vote), as after a real crash.
/// </summary>
internal sealed class SilenceableMembershipTable(IMembershipTable inner) : IMembershipTable
{
    private volatile bool _silenced;

    /// <summary>From now on this silo's writes reach the table no more, as if its process were gone.</summary>
    public void Silence() => _silenced = true;

    public Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken) =>
        _silenced ? Task.CompletedTask : inner.InitializeMembershipTableAsync(tryInitTableVersion, cancellationToken);

    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken) =>
        _silenced ? Task.CompletedTask : inner.DeleteMembershipTableEntriesAsync(clusterId, cancellationToken);

    public Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken) =>
        _silenced ? Task.CompletedTask : inner.CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken) => inner.ReadRowAsync(key, cancellationToken);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken) => inner.ReadAllAsync(cancellationToken);

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken) =>
        _silenced ? Task.FromResult(true) : inner.InsertRowAsync(entry, tableVersion, cancellationToken);

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken) =>
        _silenced ? Task.FromResult(true) : inner.UpdateRowAsync(entry, etag, tableVersion, cancellationToken);

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken) =>
        _silenced ? Task.CompletedTask : inner.UpdateIAmAliveAsync(entry, cancellationToken);

    // The obsolete overloads Orleans still declares.
    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);
}
