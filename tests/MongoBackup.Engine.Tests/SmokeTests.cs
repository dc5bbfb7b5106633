namespace MongoBackup.Engine.Tests;
public class SmokeTests { [Fact] public void Builds() => Assert.True(typeof(MongoBackup.Engine.Placeholder) != null); }
