using System.Collections;
using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// What Restore-MongoDatabase and Restore-MongoPointInTime share: which namespaces to take, their new names, -Drop
/// and its confirmation, and how the request to the engine is built from them.
/// </summary>
public abstract class MongoRestoreCmdlet : MongoEncryptedConnectionCmdlet
{
    /// <summary>The passphrases the snapshots are encrypted with (several when a window is partly under a rotated key).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SecureStringArgument]
    public SecureString[]? EncryptionKey { get; set; }

    /// <summary>The key files the snapshots are encrypted with, each matched to a snapshot by the fingerprint its manifest records.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EncryptionKeyFile { get; set; }

    /// <summary>A restore reads: every key its snapshots need, passphrases and key files together.</summary>
    protected override EncryptionKeySource? BuildEncryptionKeys() =>
        EncryptionKeyArguments.Build(EncryptionKey ?? [], EncryptionKeyFile ?? [], ResolvePath, WriteWarning);

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceDatabaseCompleter))]
    public string[]? Database { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceDatabaseCompleter))]
    public string[]? ExcludeDatabase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceCollectionCompleter))]
    public string[]? Collection { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceCollectionCompleter))]
    public string[]? ExcludeCollection { get; set; }

    /// <summary>Source namespaces to restore, in mongorestore's --nsInclude syntax (alias -NsInclude, its name there).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [Alias("NsInclude")]
    public string[]? NamespaceInclude { get; set; }

    /// <summary>Source namespaces to leave out, in mongorestore's --nsExclude syntax (alias -NsExclude, its name there).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [Alias("NsExclude")]
    public string[]? NamespaceExclude { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RenameDatabaseCompleter))]
    public object[]? RenameDatabase { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Hashtable? NamespaceMap { get; set; }

    [Parameter]
    public SwitchParameter Drop { get; set; }

    /// <summary>Finish a restore that was interrupted (Ctrl+C): targets holding data are filled in, documents already there kept.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    [Parameter]
    public SwitchParameter NoIndexRestore { get; set; }

    /// <summary>Build legacy index keys ({a: true}, {a: 0}, {a: ""}) as ascending ones (mongorestore's --convertLegacyIndexes).</summary>
    [Parameter]
    public SwitchParameter ConvertLegacyIndexes { get; set; }

    [Parameter]
    public SwitchParameter IncludeUsersAndRoles { get; set; }

    /// <summary>
    /// Check every file of a snapshot before writing anything (always done with -Drop); otherwise each is checked as
    /// it is restored, and a collection whose file fails is taken back.
    /// </summary>
    [Parameter]
    public SwitchParameter VerifyFirst { get; set; }

    /// <summary>Parallel bulk-insert streams per collection (mongorestore's --numInsertionWorkersPerCollection).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    [Alias("NumInsertionWorkersPerCollection")]
    public int InsertionWorkers { get; set; } = 2;

    /// <summary>How many collections are restored at once (mongorestore's --numParallelCollections).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    [Alias("NumParallelCollections")]
    public int ParallelCollections { get; set; } = 4;

    /// <summary>
    /// The parameters' filter, plus namespaces to leave out (those declined at a confirmation prompt). A rename given
    /// without -Database, -Collection or -NamespaceInclude restricts the restore to what it renames: -RenameDatabase
    /// 'shop=shop_copy' alone restores shop, not every database beside it under its own name.
    /// </summary>
    protected NamespaceFilter Filter(IEnumerable<string> declined, bool renamesSelect = true) => new(
        Database, Collection, ExcludeCollection, NamespaceInclude ?? (renamesSelect ? RenamesAsSelection() : null),
        (NamespaceExclude ?? []).Concat(declined.Select(NamespacePattern.Escape)), ExcludeDatabase);

    /// <summary>Whether the renames alone choose what is restored (no -Database, -Collection or -NamespaceInclude).</summary>
    protected bool RenamesChooseWhatIsRestored => NamespaceInclude is null && RenamesAsSelection() is not null;

    private IEnumerable<string>? RenamesAsSelection() =>
        Database is null && Collection is null && RenameSources() is { Count: > 0 } sources ? sources.Select(s => s.SourcePattern) : null;

    private IReadOnlyList<(string Written, string SourcePattern)> RenameSources() => RenameArguments.Sources(RenameDatabase, NamespaceMap);

    /// <summary>
    /// A rename that matches no namespace being restored is a mistake (a typo'd database name), not something to ignore:
    /// refused before anything is written, naming the databases the source holds. <paramref name="createdLater"/> says
    /// which of the patterns the source's namespaces do not match select something the restore's oplog creates (a
    /// point-in-time restore of a collection created after its base snapshot): asked once, for all of them, so the oplog
    /// is read once however many renames there are.
    /// </summary>
    /// <param name="repository">The repository a snapshot source came from: the refusal then names the snapshot of it that
    /// holds the database (a newer partial snapshot is not the one wanted), found with Get-MongoSnapshot -Latest -Database.</param>
    protected void RequireEveryRenameMatches(IReadOnlyCollection<PlannedNamespace> plan, Func<IReadOnlyCollection<PlannedNamespace>> everything, string source,
        Func<IReadOnlyList<string>, IReadOnlySet<string>>? createdLater = null, string? repository = null)
    {
        // Filters that select nothing are the first thing wrong (NothingSelected); a rename alone that selects nothing is.
        if (plan.Count == 0 && (Database is not null || Collection is not null || NamespaceInclude is not null)) return;
        var missing = RenameSources().Where(r => !plan.Any(ns => NamespacePattern.ForMatching(r.SourcePattern).IsMatch(ns.SourceNamespace))).ToList();
        if (missing.Count == 0) return;
        var created = createdLater?.Invoke(missing.Select(r => r.SourcePattern).Distinct(StringComparer.Ordinal).ToList()) ?? new HashSet<string>();
        foreach (var (written, pattern) in missing)
        {
            if (created.Contains(pattern)) continue;
            var databases = everything().Select(ns => ns.Source.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            var database = NamespaceName.Split(pattern).Database;
            var newest = repository is null || database.IndexOfAny(['*', '\\', '$']) >= 0 || NamePattern.Escape(database) != database ? "" :
                $" If {database} is in another snapshot, Get-MongoSnapshot -Repository {repository} -Latest -Database {database} gives the newest one holding it (pipe that to Restore-MongoDatabase).";
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"{written} renames nothing: no namespace restored from {source} matches '{pattern}'. {source} holds the databases: {string.Join(", ", databases)}.{newest}",
                target: written);
        }
    }

    /// <summary>
    /// The namespace filters given, one criterion per pattern as the user wrote it ("-Collection 'ordres'"), over a
    /// source's namespaces ("db.coll"), matched as <see cref="NamespaceFilter"/> matches them: the includes (-Database,
    /// -Collection, -NamespaceInclude) and the excludes (-ExcludeDatabase, -ExcludeCollection, -NamespaceExclude).
    /// </summary>
    private protected (FilterCriteria<string> Includes, FilterCriteria<string> Excludes) NamespaceCriteria()
    {
        static string DatabaseOf(string ns) => NamespaceName.Split(ns).Database;
        static bool CollectionMatches(NamePattern p, string ns) => p.IsMatch(NamespaceName.Split(ns).Collection) || p.IsMatch(ns);
        var includes = new FilterCriteria<string>();
        var excludes = new FilterCriteria<string>();
        foreach (var d in Database ?? []) { var p = new NamePattern(d); includes.Add($"-Database '{d}'", ns => p.IsMatch(DatabaseOf(ns))); }
        foreach (var c in Collection ?? []) { var p = new NamePattern(c); includes.Add($"-Collection '{c}'", ns => CollectionMatches(p, ns)); }
        foreach (var n in NamespaceInclude ?? []) { var p = NamespacePattern.ForMatching(n); includes.Add($"-NamespaceInclude '{n}'", p.IsMatch); }
        foreach (var d in ExcludeDatabase ?? []) { var p = new NamePattern(d); excludes.Add($"-ExcludeDatabase '{d}'", ns => p.IsMatch(DatabaseOf(ns))); }
        foreach (var c in ExcludeCollection ?? []) { var p = new NamePattern(c); excludes.Add($"-ExcludeCollection '{c}'", ns => CollectionMatches(p, ns)); }
        foreach (var n in NamespaceExclude ?? []) { var p = NamespacePattern.ForMatching(n); excludes.Add($"-NamespaceExclude '{n}'", p.IsMatch); }
        return (includes, excludes);
    }

    /// <summary>
    /// Why nothing of <paramref name="held"/> is restored, as the refusal names it: the include filters that match none of
    /// it on their own, else that they match nothing together (as Get-MongoSnapshot says of its filters).
    /// </summary>
    protected string NothingMatchedBecause(IReadOnlyCollection<string> held)
    {
        var (includes, _) = NamespaceCriteria();
        var alone = includes.MatchingNothing(held);
        if (alone.Count > 0) return $"{string.Join(" and ", alone)} {(alone.Count == 1 ? "matches" : "match")} none of its namespaces";
        return includes.Count > 1 ? $"none matches {string.Join(" and ", includes.Given)} together" : "the filters given leave nothing";
    }

    /// <summary>
    /// A restore that restores something, but with a filter pattern that matches nothing in the source (-Collection
    /// orders,ordres; -ExcludeDatabase shpo): the typo is named on the warning stream with what the source holds, and
    /// the restore goes on with what the other patterns chose. An include that chose nothing at all is the
    /// NothingSelected refusal instead; an exclude that leaves nothing out may be a generic script's, so it is a warning.
    /// </summary>
    /// <param name="held">The source's namespaces, unfiltered ("db.coll"); read only when a filter is given.</param>
    /// <param name="createdLater">Namespaces the restore's oplog creates beyond the files (a pattern may name one of them); read only when a pattern misses.</param>
    protected void WarnOfFiltersMatchingNothing(Func<IReadOnlyCollection<string>> held, string source, Func<IReadOnlyCollection<string>> createdLater)
    {
        var (includes, excludes) = NamespaceCriteria();
        if (includes.Count + excludes.Count == 0) return;
        var namespaces = held();
        if (includes.MatchingNothing(namespaces).Count == 0 && excludes.MatchingNothing(namespaces).Count == 0) return;
        var all = namespaces.Concat(createdLater()).ToList();
        var databases = FilterCriteria<string>.Some(all.Select(ns => NamespaceName.Split(ns).Database));
        string Holds(string given) => given.Contains("Database", StringComparison.Ordinal)
            ? $"it holds the databases {databases}" : $"it holds {FilterCriteria<string>.Some(all)}";
        foreach (var given in includes.MatchingNothing(all))
            WriteWarning($"{given} matches nothing in '{source}', so it restores nothing; {Holds(given)}. Check its spelling (names match case-sensitively).");
        foreach (var given in excludes.MatchingNothing(all))
            WriteWarning($"{given} matches nothing in '{source}', so it leaves nothing out; {Holds(given)}. Check its spelling (names match case-sensitively).");
    }

    /// <summary>The engine request the shared parameters describe; the caller adds its source.</summary>
    protected RestoreRequest BuildRestoreRequest()
    {
        if (Drop && Resume)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                "Give -Drop (start the targets over) or -Resume (finish an interrupted restore into them), not both.", target: "Resume");
        return new RestoreRequest
        {
            Connection = BuildConnection(),
            Filter = Filter([]),
            Map = RenameArguments.Build(RenameDatabase, NamespaceMap),
            Drop = Drop.IsPresent,
            Resume = Resume.IsPresent,
            NoIndexRestore = NoIndexRestore.IsPresent,
            ConvertLegacyIndexes = ConvertLegacyIndexes.IsPresent,
            IncludeUsersAndRoles = IncludeUsersAndRoles.IsPresent,
            VerifyBeforeRestore = VerifyFirst.IsPresent ? true : null,
            InsertionWorkers = InsertionWorkers,
            ParallelCollections = ParallelCollections,
            Encryption = EncryptionKeys,
        };
    }

    /// <summary>
    /// The -WhatIf dry run of a restore: the target server is reached and each target checked as the run will check it,
    /// and each namespace is a planned step, refused ones (TargetNotEmpty) marked as the run would refuse them.
    /// </summary>
    protected void WritePlan(RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, string from)
    {
        foreach (var state in Await(ct => TargetCheck.CheckAsync(request, plan, ct)))
        {
            var ns = state.Namespace;
            WritePlannedAction(Drop ? "Drop and restore" : "Restore", ns.TargetNamespace,
                $"{ns.Type} {ns.SourceNamespace} {from} into {request.Connection.DisplayName}", ns.SourceNamespace, state.Refusal);
        }
        if (request.IncludeUsersAndRoles) WriteUsersAndRolesPlan(request, from);
    }

    /// <summary>
    /// -IncludeUsersAndRoles under -WhatIf: one step per database taken, naming the database its users and roles are
    /// restored as (a renamed database's are the new name's); a rename the run refuses for them is a refused step.
    /// </summary>
    private void WriteUsersAndRolesPlan(RestoreRequest request, string from)
    {
        var action = Drop ? "Restore users and roles, replacing existing ones" : "Restore users and roles";
        UsersAndRolesTargets targets;
        try { targets = Await(ct => RestoreRunner.PlanUsersAndRolesAsync(request, ct))!; }
        catch (MongoBackupException e) when (e.ErrorId == ErrorIds.InvalidArgument)
        {
            WritePlannedAction(action, e.Target ?? "users and roles", $"the users and roles {from}", e.Target, e);
            return;
        }
        foreach (var (source, target) in targets.Databases)
        {
            var renamed = source == target ? "" : $" as {target}'s (renamed: {source}'s own users and roles are not touched)";
            var existing = Drop ? "a user or role of the same name there is replaced" : "a user or role of the same name there is kept";
            WritePlannedAction(action, target, $"the users and roles of {source} saved {from}{renamed} into {request.Connection.DisplayName}; {existing}", source);
        }
    }

    /// <summary>
    /// The plan <paramref name="plan"/> works out. Under -WhatIf, a source the run refuses whole before writing anything
    /// (a manifest that does not hold together or match its seal, a key that does not open it) is one refused step of
    /// the plan, with the error the run gives, and null is returned; otherwise that error is thrown as the run throws it.
    /// </summary>
    protected T? PlanOrRefuseSource<T>(Func<T> plan, string source, string into) where T : class
    {
        try { return plan(); }
        catch (MongoBackupException e) when (IsWhatIf() && e.ErrorId is ErrorIds.CorruptFile or ErrorIds.WrongEncryptionKey or ErrorIds.EncryptionKeyRequired)
        {
            WritePlannedAction(Drop ? "Drop and restore" : "Restore", source, $"{source} into {into}", source, e);
            return null;
        }
    }

    /// <summary>
    /// -Drop destroys data, so it asks unless the user already answered (-Confirm, or -Confirm:$false) or lowered the
    /// bar ($ConfirmPreference = 'None'). The cmdlets themselves are Medium impact so that a plain restore into empty
    /// targets runs unattended without prompts.
    /// </summary>
    protected bool DropNeedsItsOwnPrompt()
    {
        if (MyInvocation.BoundParameters.ContainsKey("Confirm")) return false;
        var preference = LanguagePrimitives.TryConvertTo(GetVariableValue("ConfirmPreference"), out ConfirmImpact p) ? p : ConfirmImpact.High;
        return preference != ConfirmImpact.None && preference <= ConfirmImpact.High;
    }
}
