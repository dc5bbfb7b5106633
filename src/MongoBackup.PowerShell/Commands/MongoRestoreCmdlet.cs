using System.Collections;
using System.Management.Automation;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Restore;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// What Restore-MongoDatabase and Restore-MongoPointInTime share: which namespaces to take, their new names, -Drop
/// and its confirmation, and how the request to the engine is built from them.
/// </summary>
public abstract class MongoRestoreCmdlet : MongoEncryptedConnectionCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Database { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Collection { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? ExcludeCollection { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? NamespaceInclude { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? NamespaceExclude { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RenameDatabase { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Hashtable? NamespaceMap { get; set; }

    [Parameter]
    public SwitchParameter Drop { get; set; }

    [Parameter]
    public SwitchParameter NoIndexRestore { get; set; }

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

    /// <summary>The parameters' filter, plus namespaces to leave out (those declined at a confirmation prompt).</summary>
    protected NamespaceFilter Filter(IEnumerable<string> declined) => new(
        Database, Collection, ExcludeCollection, NamespaceInclude,
        (NamespaceExclude ?? []).Concat(declined.Select(NamespacePattern.Escape)));

    /// <summary>The engine request the shared parameters describe; the caller adds its source.</summary>
    protected RestoreRequest BuildRestoreRequest() => new()
    {
        Connection = BuildConnection(),
        Filter = Filter([]),
        Map = RenameArguments.Build(RenameDatabase, NamespaceMap),
        Drop = Drop.IsPresent,
        NoIndexRestore = NoIndexRestore.IsPresent,
        IncludeUsersAndRoles = IncludeUsersAndRoles.IsPresent,
        VerifyBeforeRestore = VerifyFirst.IsPresent ? true : null,
        InsertionWorkers = InsertionWorkers,
        ParallelCollections = ParallelCollections,
        Encryption = EncryptionKeys,
    };

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
