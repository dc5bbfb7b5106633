namespace MongoBackup.Engine; public static class Placeholder {}
