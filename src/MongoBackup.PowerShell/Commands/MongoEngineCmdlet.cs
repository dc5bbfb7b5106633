using System.Management.Automation;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// What every engine-driven cmdlet shares: the engine runs on a worker task, cancelled when the user presses
/// Ctrl+C (StopProcessing) or asked to stop (RequestStop); its events are written on the pipeline thread as verbose lines, warnings,
/// progress bars and non-terminating errors; a whole-command failure becomes a terminating error with the
/// engine's stable error id.
/// </summary>
public abstract class MongoEngineCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    // Set by PowerShell's own stop (Ctrl+C, -ErrorAction Stop downstream): the pipeline refuses writes from then on. A stop
    // requested otherwise (a SIGTERM, see StopSignals) cancels the same token but leaves the pipeline running.
    private volatile bool _pipelineStopped;
    // The connection strings this command was given that carry secrets: every message it writes is redacted against them.
    private readonly List<string> _secretConnectionStrings = [];
    private bool _secretWarned;

    protected CancellationToken Stopping => _stopping.Token;

    protected override void StopProcessing()
    {
        _pipelineStopped = true;
        _stopping.Cancel();
    }

    /// <summary>
    /// Stops the engine work as Ctrl+C does (the same token), from any thread, but leaves the pipeline running: work that
    /// keeps what it has done on a stop (a continuous capture closing its slice) returns normally, its output and
    /// messages are still written, and the script goes on after the command (see <see cref="StopSignals"/>).
    /// </summary>
    protected void RequestStop()
    {
        try { _stopping.Cancel(); }
        catch (ObjectDisposedException) { /* the command has already ended */ }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <paramref name="body"/>, turning engine failures into terminating errors that carry their error id.</summary>
    protected void RunCommand(Action body)
    {
        try
        {
            // Before anything reads them: a connection string given as a path would otherwise fail as "Cannot find drive 'mongodb'".
            if (MisplacedArguments.Find(MyInvocation.MyCommand.Name, MyInvocation.BoundParameters) is { } misplaced) throw misplaced;
            body();
        }
        catch (MongoBackupException e)
        {
            ThrowTerminatingError(ErrorOf(e));
        }
        catch (OperationCanceledException) when (_pipelineStopped)
        {
            throw new PipelineStoppedException();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // A requested stop (RequestStop) that caught the work before it had anything to keep: the command just ends.
            WriteVerbose("Stopped on request before anything was written.");
        }
        catch (Exception e) when (e is not RuntimeException and not OperationCanceledException && AccessRefusal.Describe(e) is { } refused)
        {
            // The server refused a command for want of a sign-in or a role, wherever the engine met it: say what is missing.
            ThrowTerminatingError(ErrorOf(refused));
        }
        catch (Exception e) when (e is not RuntimeException and not OperationCanceledException)
        {
            // Not described by the engine: still a proper error record rather than a bare .NET exception.
            ThrowTerminatingError(EngineErrors.Unexpected(e));
        }
    }

    /// <summary>
    /// The engine's settings for the connection parameters <paramref name="arguments"/> (<see cref="ConnectionArguments.Build"/>),
    /// for every cmdlet that connects. A connection string that carries a password is warned about once per command
    /// (<see cref="ConnectionArguments.SecretWarning"/>), and its secrets are hidden from every message the command writes
    /// from then on, whatever wrote it (a driver's exception included).
    /// </summary>
    protected ConnectionSettings Connect(IConnectionArguments arguments, string readPreference = "primary")
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var connectionString = arguments.ConnectionString;
        if (ConnectionStringRedactor.SecretsOf(connectionString).Count > 0 && !_secretConnectionStrings.Contains(connectionString))
            _secretConnectionStrings.Add(connectionString);
        if (!_secretWarned && ConnectionArguments.SecretWarning(connectionString) is { } warning)
        {
            _secretWarned = true;
            WriteWarning(warning);
        }
        var settings = ConnectionArguments.Build(arguments, ResolvePath, WriteWarning, readPreference);
        WriteDebug(ConnectionArguments.Describe(settings));
        return settings;
    }

    /// <summary><paramref name="text"/> with the secrets of this command's connection strings masked (<see cref="ConnectionStringRedactor"/>).</summary>
    private string Hide(string text)
    {
        foreach (var connectionString in _secretConnectionStrings)
            text = ConnectionStringRedactor.RedactMessage(text, connectionString);
        return text;
    }

    /// <summary>
    /// <paramref name="record"/>, or when its message quotes a secret of this command's connection strings, the same error
    /// (id, category, target) with the message masked and without the inner exception that quoted it.
    /// </summary>
    private ErrorRecord Hidden(ErrorRecord record)
    {
        if (_secretConnectionStrings.Count == 0) return record;
        var message = record.Exception.ToString();
        if (Hide(message) == message && (record.ErrorDetails?.Message is not { } details || Hide(details) == details)) return record;
        var id = record.Exception is MongoBackupException known ? known.ErrorId : ErrorIds.UnexpectedError;
        var hidden = new MongoBackupException(id, Hide(record.Exception.Message), target: (record.Exception as MongoBackupException)?.Target);
        return new ErrorRecord(hidden, record.FullyQualifiedErrorId, record.CategoryInfo.Category, record.TargetObject is string target ? Hide(target) : record.TargetObject);
    }

    /// <summary>Writes a non-terminating error, its message masked as every message here is (<see cref="Hidden"/>).</summary>
    protected new void WriteError(ErrorRecord errorRecord) => base.WriteError(Hidden(errorRecord));

    /// <summary>
    /// Ends the command with an error, its message masked as every message here is (<see cref="Hidden"/>). Given
    /// -ErrorAction Stop, the error is written as a non-terminating one instead, which PowerShell turns into a stop of the
    /// whole script (ActionPreferenceStopException, the error record unchanged for a catch): a cmdlet's terminating error
    /// ends only its own statement, so a scheduled `Backup-MongoDatabase ... -ErrorAction Stop` would otherwise go on to
    /// its next line and exit 0 after a failed backup, where `Get-Item -ErrorAction Stop` stops the script and exits 1.
    /// </summary>
    protected new void ThrowTerminatingError(ErrorRecord errorRecord)
    {
        var hidden = Hidden(errorRecord);
        if (ErrorActionIsStop) base.WriteError(hidden); // throws ActionPreferenceStopException under -ErrorAction Stop
        base.ThrowTerminatingError(hidden);
    }

    /// <summary>Whether this command was given -ErrorAction Stop (typed, splatted or from $PSDefaultParameterValues).</summary>
    private bool ErrorActionIsStop =>
        MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var action)
        && LanguagePrimitives.TryConvertTo<ActionPreference>(action, out var preference)
        && preference == ActionPreference.Stop;

    /// <summary>Writes a debug line, masked as every message here is.</summary>
    protected new void WriteDebug(string text) => base.WriteDebug(Hide(text));

    /// <summary>The error record of a whole-command failure, in this cmdlet's words where it has its own (a mongos it does not take yet).</summary>
    protected ErrorRecord ErrorOf(MongoBackupException e) => EngineErrors.ToRecord(ClusterSupport.ForCommand(MyInvocation.MyCommand.Name, e));

    /// <summary>
    /// Runs engine work on a worker task and pumps its events here until it ends; returns its result or
    /// rethrows its failure. If the pipeline stops early (Ctrl+C, -ErrorAction Stop) the work is cancelled and awaited.
    /// The queue handed to <paramref name="work"/> is its observer, and can also emit output objects as they are ready.
    /// </summary>
    protected T RunEngine<T>(Func<EngineEventQueue, CancellationToken, Task<T>> work)
    {
        using var events = new EngineEventQueue();
        var progress = new ProgressReporter();
        var task = Task.Run(async () =>
        {
            try { return await work(events, _stopping.Token).ConfigureAwait(false); }
            finally { events.Complete(); }
        });
        var drained = false;
        try
        {
            foreach (var e in events.Drain())
            {
                // Once Ctrl+C stops the pipeline, PowerShell refuses writes, but the engine is still winding down and may say
                // what it leaves behind: keep draining until it has ended (see Write), so that is shown and nothing waits.
                try { Write(e, progress); }
                catch (PipelineStoppedException) when (_pipelineStopped) { }
            }
            if (!_pipelineStopped)
                foreach (var record in progress.CompleteAll()) WriteProgress(record);
            drained = true;
        }
        finally
        {
            if (!drained)
            {
                _stopping.Cancel();
                try { task.Wait(); } catch (AggregateException) { /* the pipeline is already failing for another reason */ }
            }
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Awaits a short engine call (a plan, a listing) on the pipeline thread.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> work) =>
        Task.Run(() => work(_stopping.Token)).GetAwaiter().GetResult();

    /// <summary>A path as the user typed it, resolved against the current PowerShell location (not the process's).</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Opens what a -Repository argument names (folder, az://, s3://, or a New-MongoRepository object's location), for
    /// what the command does with it: only a command that writes proves the folder writable (see <see cref="RepositoryAccess"/>).
    /// </summary>
    protected ISnapshotRepository OpenRepositoryArgument(string repository, RepositoryAccess access, bool mustExist = true)
    {
        var opened = RepositoryResolver.Open(repository, ResolvePath, access, mustExist, Stopping, WriteVerbose);
        WriteDebug($"Repository '{repository}' is {opened.GetType().Name} {opened.Location}.");
        return opened;
    }

    /// <summary>
    /// Warns, naming it, when <paramref name="repository"/>, which this command is about to write into, holds no snapshot
    /// yet (<see cref="NewRepositoryNotice"/>): a first backup and a mistyped path look the same, so the log says which.
    /// </summary>
    /// <param name="what">What starts it: "this backup", "this copy", "setting these rules" (a singular subject).</param>
    protected void WarnWhenNewRepository(ISnapshotRepository repository, string what, string parameter = "-Repository")
    {
        var planned = IsWhatIf();
        if (Await(ct => NewRepositoryNotice.ForAsync(repository, what, parameter, planned, ct)) is { } warning) WriteWarning(warning);
    }

    /// <summary>Whether this run is a -WhatIf dry run (the switch, or $WhatIfPreference).</summary>
    protected bool IsWhatIf() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
            ? ((SwitchParameter)bound).IsPresent
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>
    /// Emits one step of a -WhatIf plan: a <see cref="MongoPlannedAction"/> on the pipeline, the one account of the step.
    /// No "What if:" line is written for it as well (a DBA's first try-out read every restore step twice, line and row);
    /// the object carries the same action, target and detail, and whether the run would refuse it. A step the real run
    /// would refuse is also a warning, so it is seen where the plan is read (unless <paramref name="warnRefusal"/> is
    /// false: a refusal of the whole run, already written once as an error, is not repeated for each of its steps).
    /// </summary>
    protected void WritePlannedAction(string action, string target, string detail, string? source = null, MongoBackupException? refusal = null,
        bool warnRefusal = true)
    {
        if (refusal is not null && warnRefusal) WriteWarning($"-WhatIf: the run would refuse {target}: {refusal.Message}");
        WriteObject(new MongoPlannedAction
        {
            Command = MyInvocation.MyCommand.Name, Action = action, Target = target, Source = source,
            WouldRun = refusal is null, ErrorId = refusal?.ErrorId, Problem = refusal?.Message, Detail = detail,
        });
    }

    /// <summary>
    /// ShouldProcess, for every cmdlet here: it prompts when the cmdlet's ConfirmImpact reaches $ConfirmPreference (High
    /// by default: the removals and re-keys) or -Confirm is given. A session that cannot prompt (pwsh -NonInteractive, stdin ended)
    /// gets <see cref="ErrorIds.ConfirmationRequired"/> naming the cmdlet and -Confirm:$false, not PowerShell's bare
    /// "NonInteractive mode" error.
    /// </summary>
    protected new bool ShouldProcess(string target, string action) => Prompting(action, () => base.ShouldProcess(target, action));

    /// <summary>ShouldProcess of one target, with the same refusal where no one can answer it.</summary>
    protected new bool ShouldProcess(string target) => Prompting(target, () => base.ShouldProcess(target));

    /// <summary>ShouldProcess with its own texts, with the same refusal where no one can answer it.</summary>
    protected new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption) =>
        Prompting(verboseWarning, () => base.ShouldProcess(verboseDescription, verboseWarning, caption));

    /// <summary>
    /// ShouldContinue asked once (Restore-MongoPointInTime's -Drop of every target together), with the same refusal where
    /// no one can answer it. Every overload of PowerShell's ShouldContinue and ShouldProcess is hidden here, so no cmdlet
    /// can reach the host's prompt without it.
    /// </summary>
    protected new bool ShouldContinue(string query, string caption) => Prompting(query, () => base.ShouldContinue(query, caption));

    /// <summary>ShouldContinue (the extra question before -Drop destroys data), with the same refusal where no one can answer it.</summary>
    protected new bool ShouldContinue(string query, string caption, ref bool yesToAll, ref bool noToAll)
    {
        var (yes, no) = (yesToAll, noToAll);
        var answer = Prompting(query, () => base.ShouldContinue(query, caption, ref yes, ref no));
        (yesToAll, noToAll) = (yes, no);
        return answer;
    }

    /// <summary>
    /// What this run has already changed, for a cmdlet that acts between confirmations (one snapshot copied, then the next
    /// asked): null while nothing was changed. A prompt that cannot be answered then says what stands instead of "nothing was done".
    /// Cmdlets that ask every confirmation before acting (Remove-MongoSnapshot, retention) leave it null.
    /// </summary>
    protected virtual string? DoneSoFar => null;

    private T Prompting<T>(string what, Func<T> ask)
    {
        try { return ask(); }
        catch (Exception e) when (CannotPrompt(e))
        {
            var name = MyInvocation.MyCommand.Name;
            var done = DoneSoFar is { } already
                ? $"so it stopped here, but what it did before this prompt stands: {already}. Nothing after it was done"
                : "so nothing was done";
            throw new MongoBackupException(ErrorIds.ConfirmationRequired,
                $"{name} asks for confirmation before it acts ({what}), but this session cannot prompt (pwsh -NonInteractive, standard " +
                $"input closed or empty, or a host without a UI), {done}. For unattended runs add -Confirm:$false to {name}; " +
                "-WhatIf shows what it would do.", e, name);
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/>, thrown by the host while it asked the user something, says no one can answer: -NonInteractive
    /// (PSInvalidOperationException), a host without a UI (HostException), or a console whose standard input has ended
    /// (pwsh -File script.ps1 &lt; /dev/null, a scheduler's closed stdin): the console host's PromptForChoice reads null there
    /// and fails with a NullReferenceException of its own (PowerShell 7.6), which is no fault of this command.
    /// </summary>
    private static bool CannotPrompt(Exception e) =>
        e is PSInvalidOperationException or System.Management.Automation.Host.HostException
        || (e is NullReferenceException && e.TargetSite?.DeclaringType?.Assembly != typeof(MongoEngineCmdlet).Assembly);

    /// <summary>
    /// Verbose lines, routed for -Debug: PowerShell makes -Debug turn every verbose line and warning into a prompt
    /// (Inquire), which fails outright under -NonInteractive. With -Debug (and no -Verbose of its own) verbose lines are
    /// written as debug lines, beside the engine's debug detail.
    /// </summary>
    protected new void WriteVerbose(string text)
    {
        text = Hide(text);
        if (DebugWithoutVerbose) WriteDebug(text);
        else base.WriteVerbose(text);
    }

    /// <summary>
    /// Warnings still go to the warning stream; under -Debug a host that cannot prompt (-NonInteractive, stdin ended) gets the
    /// warning as a debug line instead of a failed command.
    /// </summary>
    protected new void WriteWarning(string text)
    {
        text = Hide(text);
        if (!Bound("Debug") || MyInvocation.BoundParameters.ContainsKey("WarningAction"))
        {
            base.WriteWarning(text);
            return;
        }
        try { base.WriteWarning(text); }
        catch (Exception e) when (CannotPrompt(e))
        {
            WriteDebug("WARNING: " + text);
        }
    }

    private bool DebugWithoutVerbose => Bound("Debug") && !MyInvocation.BoundParameters.ContainsKey("Verbose");

    private bool Bound(string name) => MyInvocation.BoundParameters.TryGetValue(name, out var value) && value is SwitchParameter { IsPresent: true };

    /// <summary>The resolved folder or object-store location a -Repository argument names, for messages and -WhatIf.</summary>
    protected string DescribeRepository(string repository) => RepositoryResolver.Describe(repository, ResolvePath);

    private void Write(EngineEvent e, ProgressReporter progress)
    {
        if (_pipelineStopped)
        {
            // Stopping: only what the run left behind matters now, and only the host can still show it.
            if (e is WarningEvent stopped) Host.UI.WriteWarningLine(Hide(stopped.Message));
            return;
        }
        switch (e)
        {
            case VerboseEvent v: WriteVerbose(v.Message); break;
            case DebugEvent d: WriteDebug(d.Message); break;
            case WarningEvent w: WriteWarning(w.Message); break;
            case ProgressEvent p: WriteProgress(progress.Report(p.Update)); break;
            case NamespaceFailedEvent f: WriteError(EngineErrors.ToRecord(f.Error, f.Namespace)); break;
            case OutputEvent o: WriteObject(o.Value); break;
        }
    }
}
