using System.Management.Automation;
using System.Net;
using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Describes a repository (a folder, an Azure Blob Storage container or an S3 bucket) with its sign-in, for any
/// cmdlet's -Repository. Nothing is contacted until a cmdlet uses it; secrets are taken as SecureString or
/// PSCredential and never shown.
/// </summary>
[Cmdlet(VerbsCommon.New, "MongoRepository", DefaultParameterSetName = FolderSet)]
[OutputType(typeof(MongoRepository))]
public sealed class NewMongoRepositoryCommand : MongoEngineCmdlet
{
    private const string FolderSet = "Folder";
    private const string AzureSet = "AzureBlob";
    private const string S3Set = "S3";

    /// <summary>A folder; FullName lets a folder from Get-Item or Get-ChildItem bind by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = FolderSet)]
    [ValidateNotNullOrEmpty]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>az://ACCOUNT/CONTAINER[/PREFIX]</summary>
    [Parameter(Mandatory = true, ParameterSetName = AzureSet)]
    [ValidateNotNullOrEmpty]
    public string AzureBlob { get; set; } = "";

    [Parameter(ParameterSetName = AzureSet)]
    [SecureStringArgument]
    public SecureString? ConnectionString { get; set; }

    [Parameter(ParameterSetName = AzureSet)]
    [SecureStringArgument]
    public SecureString? SasToken { get; set; }

    [Parameter(ParameterSetName = AzureSet)]
    [SecureStringArgument]
    public SecureString? AccountKey { get; set; }

    /// <summary>DefaultAzureCredential: the managed identity in Azure Automation or on a VM, else environment, Azure CLI...</summary>
    [Parameter(ParameterSetName = AzureSet)]
    public SwitchParameter UseManagedIdentity { get; set; }

    /// <summary>A blob endpoint other than https://ACCOUNT.blob.core.windows.net (Azurite, sovereign clouds).</summary>
    [Parameter(ParameterSetName = AzureSet)]
    [Parameter(ParameterSetName = S3Set)]
    public Uri? Endpoint { get; set; }

    /// <summary>s3://BUCKET[/PREFIX]</summary>
    [Parameter(Mandatory = true, ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string S3 { get; set; } = "";

    [Parameter(ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    public SwitchParameter ForcePathStyle { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [SecureStringArgument]
    public SecureString? AccessKey { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [SecureStringArgument]
    public SecureString? SecretKey { get; set; }

    /// <summary>The access key as user name and the secret key as password.</summary>
    [Parameter(ParameterSetName = S3Set)]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = ParameterSetName switch
        {
            AzureSet => Azure(),
            S3Set => S3Store(),
            _ => new MongoRepository(RepositoryLocation.Folder(CreateFolder(ResolvePath(Path))), RepositoryOptions.None, "file system"),
        };
        // Not remembered here: an object is remembered when a cmdlet is given it (RepositoryArgumentAttribute), so one only
        // created changes nothing a plain 's3://' or 'az://' string does later.
        WriteObject(repository);
    });

    /// <summary>
    /// New-MongoRepository is the user asking for a repository, so a folder that is not there yet is created with its
    /// missing parents (mkdir -p), said on the verbose stream; a backup given a plain path creates one level only, since
    /// there a typo in a parent's name is the likelier cause. A folder that cannot be created is RepositoryNotWritable
    /// naming it and the nearest folder that exists, here rather than at the first backup.
    /// </summary>
    private string CreateFolder(string path)
    {
        if (Directory.Exists(path)) return path;
        var existing = System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(path));
        while (!string.IsNullOrEmpty(existing) && !Directory.Exists(existing)) existing = System.IO.Path.GetDirectoryName(existing);
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MongoBackupException(ErrorIds.RepositoryNotWritable,
                $"Cannot create the repository folder '{path}'{(string.IsNullOrEmpty(existing) ? "" : $" inside '{existing}'")}: {e.Message} " +
                "Check the path, and that this account may create folders there.", target: path);
        }
        WriteVerbose($"Created the repository folder '{path}'{(string.IsNullOrEmpty(existing) ? "" : $" inside '{existing}'")}: it holds no snapshot yet.");
        return path;
    }

    private MongoRepository Azure()
    {
        var location = Parse(AzureBlob, RepositoryKind.AzureBlob, "-AzureBlob", "az://ACCOUNT/CONTAINER[/PREFIX]");
        var ways = new (bool Given, string Name)[]
        {
            (ConnectionString is not null, "-ConnectionString"), (SasToken is not null, "-SasToken"),
            (AccountKey is not null, "-AccountKey"), (UseManagedIdentity.IsPresent, "-UseManagedIdentity"),
        }.Where(w => w.Given).Select(w => w.Name).ToList();
        if (ways.Count > 1)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Give one way to sign in to '{location}', not {string.Join(" and ", ways)}.", target: location.ToString());
        var options = new RepositoryOptions
        {
            AzureConnectionString = Plain(ConnectionString),
            AzureSasToken = Plain(SasToken),
            AzureAccountKey = Plain(AccountKey),
            UseDefaultAzureCredential = UseManagedIdentity.IsPresent,
            AzureEndpoint = Endpoint,
        };
        var authentication = UseManagedIdentity ? "managed identity (DefaultAzureCredential)" : options.AzureAuthentication;
        return new MongoRepository(location, options, authentication);
    }

    private MongoRepository S3Store()
    {
        var location = Parse(S3, RepositoryKind.S3, "-S3", "s3://BUCKET[/PREFIX]");
        if (Credential is not null && (AccessKey is not null || SecretKey is not null))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Give the keys for '{location}' either as -Credential or as -AccessKey and -SecretKey, not both.", target: location.ToString());
        var access = Credential?.UserName ?? Plain(AccessKey);
        var secret = Credential is { } credential ? new NetworkCredential("", credential.Password).Password : Plain(SecretKey);
        var options = new RepositoryOptions
        {
            S3Region = Region, S3Endpoint = Endpoint, S3ForcePathStyle = ForcePathStyle.IsPresent, S3AccessKey = access, S3SecretKey = secret,
        };
        if ((access is null) != (secret is null))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"'{location}' needs both an access key and a secret key, or neither (to use the default AWS credential chain).", target: location.ToString());
        return new MongoRepository(location, options, access is null ? "default AWS credential chain" : "access key");
    }

    private static RepositoryLocation Parse(string text, RepositoryKind kind, string parameter, string form)
    {
        var location = RepositoryLocation.Parse(text);
        if (location.Kind != kind)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"{parameter} takes {form}; '{location}' is not one.", target: location.ToString());
        return location;
    }

    private static string? Plain(SecureString? secret) => secret is null ? null : new NetworkCredential("", secret).Password;
}
