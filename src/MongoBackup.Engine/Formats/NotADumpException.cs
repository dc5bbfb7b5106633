namespace MongoBackup.Engine.Formats;

/// <summary>
/// A path given as a dump that is sound but not one: a piece of a mongodump folder (one database folder, one
/// collection's file, the oplog file), a repository's root, or a folder with no dump in it. Nothing in it is damaged,
/// unlike <see cref="CorruptDumpException"/> and the InvalidDataException of an archive that is: the message names the
/// path, what it is, and what to give instead.
/// </summary>
public sealed class NotADumpException(string message) : Exception(message);
