//! Standard input and output between the client and rmcp (docs/mcp.md, "Transport").
//!
//! rmcp's own stdio transport drops a line that is not JSON without a word, to avoid echo
//! storms between two confused peers. JSON-RPC 2.0 asks for a parse error (-32700, id null),
//! and a client that sent a broken line learns more from one, so a filter stands in front of
//! rmcp: each line that is JSON goes on to rmcp through an in-process pipe; any other gets the
//! parse error. One task alone writes to stdout, whole lines at a time, so that the filter's
//! errors and rmcp's messages never interleave; stdout carries nothing else.

use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream,
    duplex,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The longest line read; a longer one is discarded with a parse error (rmcp's own limit
/// is of the same order).
const MAX_LINE: usize = 8 * 1024 * 1024;
/// Bytes buffered in each in-process pipe.
const PIPE: usize = 256 * 1024;

/// The two pipes rmcp is given, and the tasks that move lines between them and stdio.
pub struct Stdio {
    /// What rmcp reads (the client's JSON lines).
    pub to_server: DuplexStream,
    /// What rmcp writes (its messages, to stdout).
    pub from_server: DuplexStream,
    /// Ends when standard input does.
    pub reader: JoinHandle<()>,
    /// Ends when both rmcp's side and the reader's error channel are closed, all written.
    pub writer: JoinHandle<()>,
}

impl std::fmt::Debug for Stdio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stdio").finish_non_exhaustive()
    }
}

/// Starts the filter on the process's stdin and stdout.
pub fn start() -> Stdio {
    start_on(tokio::io::stdin(), tokio::io::stdout())
}

/// Starts the filter on `input` and `output` (the process's stdio, or a test's pipes).
pub fn start_on<R, W>(input: R, output: W) -> Stdio
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (client_side, to_server) = duplex(PIPE);
    let (from_server, server_side) = duplex(PIPE);
    let (errors_tx, errors_rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(read_lines(input, client_side, errors_tx));
    let writer = tokio::spawn(write_lines(server_side, errors_rx, output));
    Stdio {
        to_server,
        from_server,
        reader,
        writer,
    }
}

/// The parse error for a line that is not JSON: id null, as JSON-RPC 2.0 says.
fn parse_error(why: &str) -> Vec<u8> {
    let message = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": -32700, "message": format!("Parse error: {why}") },
    });
    let mut line = message.to_string().into_bytes();
    line.push(b'\n');
    line
}

/// Reads the client's lines: JSON ones go to rmcp, others get a parse error. At end of input
/// the pipe to rmcp is closed, which ends the server.
async fn read_lines<R: AsyncRead + Unpin>(
    input: R,
    mut to_server: DuplexStream,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                eprintln!("scopeon mcp: reading standard input failed: {e}");
                return;
            }
        }
        if line.len() > MAX_LINE && line.last() != Some(&b'\n') {
            // Skip the rest of the long line, then answer it.
            if skip_to_newline(&mut input).await.is_err() {
                return;
            }
            let _ = errors.send(parse_error(&format!("a line longer than {MAX_LINE} bytes")));
            continue;
        }
        let text = trim_line_end(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
            Ok(_) => {
                let mut message = text.to_vec();
                message.push(b'\n');
                if to_server.write_all(&message).await.is_err() {
                    return;
                }
            }
            Err(_) => {
                // The line itself is never echoed: it may hold anything.
                let _ = errors.send(parse_error("the line is not JSON"));
            }
        }
    }
}

/// Consumes input up to and including the next newline.
async fn skip_to_newline<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> std::io::Result<()> {
    loop {
        let buf = input.fill_buf().await?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            input.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        input.consume(n);
    }
}

/// The line without its `\n` or `\r\n`.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Writes rmcp's lines and the filter's errors to `output`, each line whole, flushed at once.
async fn write_lines<W: AsyncWrite + Unpin>(
    from_server: DuplexStream,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: W,
) {
    let mut server = BufReader::new(from_server);
    // Kept across turns: a read cut short by an error's turn has put part of a line here,
    // and the next read goes on from it.
    let mut pending = Vec::new();
    let mut server_open = true;
    let mut errors_open = true;
    while server_open || errors_open {
        let line = tokio::select! {
            read = server.read_until(b'\n', &mut pending), if server_open => match read {
                Ok(n) if n > 0 => std::mem::take(&mut pending),
                _ => {
                    server_open = false;
                    continue;
                }
            },
            error = errors.recv(), if errors_open => match error {
                Some(error) => error,
                None => {
                    errors_open = false;
                    continue;
                }
            },
        };
        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
            // The client went away: nothing more can be said.
            return;
        }
    }
}
