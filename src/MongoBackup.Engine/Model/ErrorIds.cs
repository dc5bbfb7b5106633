namespace MongoBackup.Engine.Model;

/// <summary>
/// Every stable error id of MongoBackup, engine and cmdlets alike: the <see cref="MongoBackupException.ErrorId"/> and
/// the PowerShell error id a user sees, each "MongoBackup." followed by the name of its constant here. Each is listed in
/// about_MongoBackup (ERROR IDS) and has one PowerShell error category, the same whichever cmdlet raises it.
/// </summary>
public static class ErrorIds
{
    /// <summary>A parameter value is wrong; the message names it.</summary>
    public const string InvalidArgument = "MongoBackup.InvalidArgument";
    /// <summary>The connection string cannot be read.</summary>
    public const string InvalidConnectionString = "MongoBackup.InvalidConnectionString";
    /// <summary>No server answered at the given address.</summary>
    public const string ServerUnreachable = "MongoBackup.ServerUnreachable";
    /// <summary>The user name or password was refused.</summary>
    public const string AuthenticationFailed = "MongoBackup.AuthenticationFailed";
    /// <summary>The user lacks a privilege the command needs.</summary>
    public const string NotAuthorized = "MongoBackup.NotAuthorized";
    /// <summary>The source or target is a mongos where the command does not take a sharded cluster yet (a restore of a replica-set snapshot or repository into a cluster, a scratch restore of Test-MongoSnapshot), or an export of a cluster's oplog slice, which holds one oplog per shard.</summary>
    public const string ShardedClusterNotSupported = "MongoBackup.ShardedClusterNotSupported";
    /// <summary>A restore into a sharded cluster cannot shard a target as the snapshot's collection was sharded (the target is sharded on another key, or holds documents unsharded, or the cluster refused the key); that namespace is not restored.</summary>
    public const string ShardKeyConflict = "MongoBackup.ShardKeyConflict";
    /// <summary>A cluster backup found the balancer running and was not told to stop it (-StopBalancer).</summary>
    public const string BalancerRunning = "MongoBackup.BalancerRunning";
    /// <summary>A cluster backup found a chunk migration running on a shard (named, with the namespace); nothing was written.</summary>
    public const string ChunkMigrationRunning = "MongoBackup.ChunkMigrationRunning";
    /// <summary>No namespace matches the chosen filters: on the server for a backup, in the snapshot or dump for a restore.</summary>
    public const string NothingSelected = "MongoBackup.NothingSelected";
    /// <summary>A named database does not exist on the server.</summary>
    public const string DatabaseNotFound = "MongoBackup.DatabaseNotFound";
    /// <summary>The repository folder cannot be created or written.</summary>
    public const string RepositoryNotWritable = "MongoBackup.RepositoryNotWritable";
    /// <summary>The repository ran out of space.</summary>
    public const string RepositoryFull = "MongoBackup.RepositoryFull";
    /// <summary>An object store's endpoint did not answer (network, DNS, TLS, service down).</summary>
    public const string RepositoryUnavailable = "MongoBackup.RepositoryUnavailable";
    /// <summary>An object store refused the credentials or the permissions they carry.</summary>
    public const string RepositoryAccessDenied = "MongoBackup.RepositoryAccessDenied";
    /// <summary>The container or bucket a repository names does not exist.</summary>
    public const string RepositoryNotFound = "MongoBackup.RepositoryNotFound";
    /// <summary>The backup could not finish (for example the oplog rolled over); nothing was kept.</summary>
    public const string BackupFailed = "MongoBackup.BackupFailed";
    /// <summary>A catalog change a backup cannot make consistent (a rename inside its scope) happened while it ran; nothing was kept.</summary>
    public const string CatalogChangedDuringBackup = "MongoBackup.CatalogChangedDuringBackup";
    /// <summary>No snapshot with that id, or the snapshot (or a -Path folder) never finished.</summary>
    public const string SnapshotNotFound = "MongoBackup.SnapshotNotFound";
    /// <summary>A dump file, archive or manifest is damaged or altered; the message names the file (and the offset where it has one).</summary>
    public const string CorruptFile = "MongoBackup.CorruptFile";
    /// <summary>A restore target holds documents and -Drop was not given, or an export's destination already exists.</summary>
    public const string TargetNotEmpty = "MongoBackup.TargetNotEmpty";
    /// <summary>
    /// A restore target exists (empty, or under -Resume) with collection options or indexes that differ from the backup's
    /// in what they do; that namespace is not restored (nothing written to it) and -Drop replaces it.
    /// </summary>
    public const string TargetIncompatible = "MongoBackup.TargetIncompatible";
    /// <summary>One namespace could not be restored; the others went on.</summary>
    public const string NamespaceRestoreFailed = "MongoBackup.NamespaceRestoreFailed";
    /// <summary>The saved oplog could not be replayed.</summary>
    public const string OplogReplayFailed = "MongoBackup.OplogReplayFailed";
    /// <summary>The restore source or repository path does not exist.</summary>
    public const string SourceNotFound = "MongoBackup.SourceNotFound";
    /// <summary>An oplog backup was asked of a standalone server, which has none.</summary>
    public const string NoOplog = "MongoBackup.NoOplog";
    /// <summary>No full snapshot of that replica set to continue an oplog chain from.</summary>
    public const string NoBaseSnapshot = "MongoBackup.NoBaseSnapshot";
    /// <summary>The requested moment is outside every span a restore can reach.</summary>
    public const string OutsideRestoreWindow = "MongoBackup.OutsideRestoreWindow";
    /// <summary>No full snapshot in the repository covers what a point-in-time restore asks for (its databases, collections or namespaces).</summary>
    public const string ScopeNotCovered = "MongoBackup.ScopeNotCovered";
    /// <summary>The key given does not open the snapshot (its fingerprint differs), or is not the kind the snapshot was encrypted with.</summary>
    public const string WrongEncryptionKey = "MongoBackup.WrongEncryptionKey";
    /// <summary>The snapshot is encrypted and no key was given.</summary>
    public const string EncryptionKeyRequired = "MongoBackup.EncryptionKeyRequired";
    /// <summary>Export-MongoSnapshot could not write its destination (nothing is left there).</summary>
    public const string ExportFailed = "MongoBackup.ExportFailed";
    /// <summary>A repository lease this run held was taken over by another holder (it expired unrenewed, or was broken).</summary>
    public const string LeaseLost = "MongoBackup.LeaseLost";
    /// <summary>The repository kind, or the service behind it, cannot grant a lease.</summary>
    public const string LeaseNotSupported = "MongoBackup.LeaseNotSupported";
    /// <summary>
    /// The destination already holds a snapshot with that id (Copy-MongoSnapshot without -Force), or a manifest changed
    /// under the command writing it (two writers on one id, a key rotation racing another).
    /// </summary>
    public const string SnapshotExists = "MongoBackup.SnapshotExists";
    /// <summary>Removing the snapshot would break a restore window that is kept (Remove-MongoSnapshot without -Force).</summary>
    public const string SnapshotInUse = "MongoBackup.SnapshotInUse";
    /// <summary>
    /// The snapshot's manifest exists but is damaged: it may hold a whole backup, so it is removed only when named by id
    /// with -Force (never from a pipeline, never by retention).
    /// </summary>
    public const string SnapshotDamaged = "MongoBackup.SnapshotDamaged";
    /// <summary>
    /// A restore, test or copy holds a read lease on the snapshot: removing it now would break that run half-way, so the
    /// removal is refused (even with -Force) naming the reader and when its lease runs out.
    /// </summary>
    public const string SnapshotBeingRead = "MongoBackup.SnapshotBeingRead";
    /// <summary>
    /// A backup, oplog slice or copy is still writing the snapshot (its writer mark is live): a removal, a forced copy
    /// onto it or retention is refused (even with -Force) naming the writer and when its mark runs out.
    /// </summary>
    public const string SnapshotBeingWritten = "MongoBackup.SnapshotBeingWritten";
    /// <summary>Test-MongoSnapshot found a damaged file or a restore that did not match the manifest.</summary>
    public const string SnapshotTestFailed = "MongoBackup.SnapshotTestFailed";
    /// <summary>
    /// The command would ask for confirmation (a removal, a re-key, a restore with -Drop), but the session cannot prompt
    /// (pwsh -NonInteractive, a host without a UI): nothing was done, or, where a command acts between confirmations (copies,
    /// exports), the message names what it already did; -Confirm:$false runs it unattended.
    /// </summary>
    public const string ConfirmationRequired = "MongoBackup.ConfirmationRequired";
    /// <summary>A failure MongoBackup did not expect and could not describe: a bug (or an environment problem) to report.</summary>
    public const string UnexpectedError = "MongoBackup.UnexpectedError";
}
