namespace UserDisk.Server.Hosting;

/// <summary>
/// What <c>/readyz</c> reports: ready once every backstore is open and the front end listens, not ready again as
/// soon as shutdown begins (so a load balancer or kubelet stops sending new initiators first).
/// </summary>
public sealed class Readiness
{
    private volatile bool _backstoresOpen;
    private volatile bool _frontendListening;
    private volatile bool _stopping;

    public bool IsReady => _backstoresOpen && _frontendListening && !_stopping;

    /// <summary>A one-line reason, for the /readyz body.</summary>
    public string Describe() =>
        _stopping ? "stopping"
        : !_backstoresOpen ? "starting: opening backstores"
        : !_frontendListening ? "starting: front end not listening yet"
        : "ready";

    public void BackstoresOpened() => _backstoresOpen = true;

    public void FrontendListening() => _frontendListening = true;

    public void Stopping() => _stopping = true;
}
