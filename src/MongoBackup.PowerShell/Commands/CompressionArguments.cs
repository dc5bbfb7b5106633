using System.IO.Compression;
using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// -CompressionLevel: how hard -Compression's gzip or zstd works (see <see cref="CompressionLevels"/>), shared by
/// Backup-MongoDatabase, Backup-MongoOplog and Invoke-MongoBackupPolicy.
/// </summary>
public static class CompressionArguments
{
    /// <summary>The level to use; refuses a level given with -Compression None, which would silently mean nothing.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument: -CompressionLevel with -Compression None.</exception>
    public static CompressionLevel Level(PSCmdlet cmdlet, Compression compression, CompressionLevel level)
    {
        if (compression == Compression.None && cmdlet.MyInvocation.BoundParameters.ContainsKey("CompressionLevel"))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"-CompressionLevel {level} applies to gzip and zstd; with -Compression None the files are stored uncompressed.");
        return level;
    }
}
