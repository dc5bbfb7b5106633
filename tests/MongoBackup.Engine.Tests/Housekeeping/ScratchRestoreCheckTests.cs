using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Housekeeping;

[Collection(MongoServerCollection.Name)]
public sealed class ScratchRestoreCheckTests(MongoServerFixture server)
{
    [Fact]
    public async Task A_snapshot_restores_into_scratch_databases_with_matching_counts_which_are_dropped_afterwards()
    {
        var database = TestDatabases.NewName("verify");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 120).Select(i => new BsonDocument { { "_id", i }, { "n", i * 2 } }));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("other").InsertOneAsync(new BsonDocument("x", 1));
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        var result = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, manifest.Id, connection, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.True(result.RestoreChecked);
        Assert.Contains(result.RestoredCounts, c => c.Namespace == $"{database}.items" && c.Restored == 120 && c.Matches);
        Assert.Contains(result.RestoredCounts, c => c.Namespace == $"{database}.other" && c.Restored == 1);
        var names = await (await server.Client.ListDatabaseNamesAsync()).ToListAsync();
        Assert.DoesNotContain(names, n => n.StartsWith(database + "__verify_", StringComparison.Ordinal));
        Assert.Equal(120, await items.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty)); // the source is untouched
    }

    [Fact]
    public async Task An_encrypted_snapshot_is_decrypted_and_parsed_with_its_key_and_only_checksummed_without_it()
    {
        var database = TestDatabases.NewName("verifyenc");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "secret", $"s{i}" } }));
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var keys = EncryptionKeySource.FromPassphrase(Secure("housekeeping passphrase"));
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);
        Assert.NotNull(manifest.Encryption);

        var withKey = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, manifest.Id, connection, keys, CancellationToken.None);
        Assert.True(withKey.Passed, string.Join("; ", withKey.Problems));
        Assert.Equal(50, withKey.Documents);
        Assert.True(withKey.RestoreChecked);

        var observer = new RecordingObserver();
        var withoutKey = await new SnapshotVerifier(observer).VerifyAsync(repository, manifest.Id, connection, null, CancellationToken.None);
        Assert.True(withoutKey.Passed);
        Assert.Equal(0, withoutKey.Documents);
        Assert.False(withoutKey.RestoreChecked);
        Assert.Contains(observer.Warnings, w => w.Contains("encrypted") && w.Contains("-EncryptionKey"));

        var wrong = await Assert.ThrowsAsync<MongoBackupException>(() => new SnapshotVerifier(new RecordingObserver())
            .VerifyAsync(repository, manifest.Id, null, EncryptionKeySource.FromPassphrase(Secure("not the passphrase")), CancellationToken.None));
        Assert.Equal(ErrorIds.WrongEncryptionKey, wrong.ErrorId);
    }

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    [Fact]
    public async Task A_count_edited_in_the_manifest_is_a_problem_naming_both_numbers_and_nothing_is_restored()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var manifest = await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-count", 10);
        // The manifest claims more documents than the file holds (the input: a count in manifest.json edited).
        manifest.Namespaces[0] = manifest.Namespaces[0] with { Documents = 11 };
        await repository.CommitManifestAsync(manifest, CancellationToken.None);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };

        var result = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, manifest.Id, connection, null, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Contains(result.Problems, p => p.Contains("holds 10 documents") && p.Contains("of shop.items; the manifest records 11 documents"));
        Assert.False(result.RestoreChecked);
        var names = await (await server.Client.ListDatabaseNamesAsync()).ToListAsync();
        Assert.DoesNotContain(names, n => n.StartsWith("shop__verify_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Databases_whose_names_the_scratch_suffix_would_break_restore_into_scratch_databases_of_their_own()
    {
        // Names a server takes but "<name>__verify_<random>" would not: 56 bytes in 28 characters (past 64 bytes with the
        // suffix), a ':' (refused for a new name: a Windows server refuses it), two long names alike in their first 50 bytes.
        var tag = Guid.NewGuid().ToString("N")[..6];
        var databases = new[] { tag + new string('é', 25), tag + ":x", tag + new string('a', 50) + "1", tag + new string('a', 50) + "2" };
        for (var i = 0; i < databases.Length; i++)
            await server.Client.GetDatabase(databases[i]).GetCollection<BsonDocument>("items")
                .InsertManyAsync(Enumerable.Range(0, i + 2).Select(n => new BsonDocument("_id", n)));
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: databases),
        }, CancellationToken.None);

        var observer = new RecordingObserver();
        var result = await new SnapshotVerifier(observer).VerifyAsync(repository, manifest.Id, connection, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.True(result.RestoreChecked);
        for (var i = 0; i < databases.Length; i++)
            Assert.Contains(result.RestoredCounts, c => c.Namespace == $"{databases[i]}.items" && c.Restored == i + 2 && c.Matches);
        var names = await (await server.Client.ListDatabaseNamesAsync()).ToListAsync();
        Assert.DoesNotContain(names, n => n.StartsWith(tag, StringComparison.Ordinal) && n.Contains("__verify_", StringComparison.Ordinal));
        foreach (var database in databases) await server.Client.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task A_test_restore_of_a_snapshot_with_users_checks_their_files_and_does_not_tell_the_user_to_restore_again()
    {
        var database = TestDatabases.NewName("verifyusers");
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("items").InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "createUser", "auditor" }, { "pwd", "an auditor's password" }, { "roles", new BsonArray() } });
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), IncludeUsersAndRoles = true,
        }, CancellationToken.None);
        await db.RunCommandAsync<BsonDocument>(new BsonDocument("dropUser", "auditor"));

        var observer = new RecordingObserver();
        var result = await new SnapshotVerifier(observer).VerifyAsync(repository, manifest.Id, connection, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.True(result.RestoreChecked);
        Assert.Contains(observer.Verboses, v => v.Contains("admin.system.users holds users", StringComparison.Ordinal) && v.Contains("not restored", StringComparison.Ordinal));
        // A test restore leaves users out by design: no warning sends the user to restore again with -IncludeUsersAndRoles.
        Assert.DoesNotContain(observer.Warnings, w => w.Contains("IncludeUsersAndRoles", StringComparison.Ordinal));
        Assert.Empty((await db.RunCommandAsync<BsonDocument>(new BsonDocument("usersInfo", 1)))["users"].AsBsonArray);
        await server.Client.DropDatabaseAsync(database);
    }
}
