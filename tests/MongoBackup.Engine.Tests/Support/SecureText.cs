using System.Security;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>A passphrase as the cmdlets receive it.</summary>
public static class SecureText
{
    public static SecureString Of(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }
}
