using MongoBackup.Tests;

namespace MongoBackup.TestServer.Tests;

/// <summary>Where the tests find MongoDB's own tools' fixtures: ../shared/fixtures beside the repository, or MONGOBACKUP_FIXTURES.</summary>
public sealed class FixturePathsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mongobackup-fixtures-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Fixtures_are_found() => Assert.True(Directory.Exists(FixturePaths.Get("mongorestore/testdata")));

    [Fact]
    public void A_folder_without_mongo_tools_is_named_with_the_variable_that_overrides_it()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => FixturePaths.FindMongoTools(_folder, "/no/repository"));
        Assert.Contains($"'{Path.Combine(_folder, "mongo-tools")}'", error.Message);
        Assert.Contains("MONGOBACKUP_FIXTURES must name the folder that holds mongo-tools", error.Message);
    }

    [Fact]
    public void The_override_is_used_when_given_and_the_shared_folder_beside_the_repository_otherwise()
    {
        var mongoTools = Directory.CreateDirectory(Path.Combine(_folder, "mongo-tools")).FullName;
        Assert.Equal(mongoTools, FixturePaths.FindMongoTools(_folder, "/no/repository"));

        var repository = Directory.CreateDirectory(Path.Combine(_folder, "repo")).FullName;
        var shared = Directory.CreateDirectory(Path.Combine(_folder, "shared", "fixtures", "mongo-tools")).FullName;
        Assert.Equal(shared, FixturePaths.FindMongoTools(null, repository));
        Assert.Equal(shared, FixturePaths.FindMongoTools(" ", repository));
    }
}
