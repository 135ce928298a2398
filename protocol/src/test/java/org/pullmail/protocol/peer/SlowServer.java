package org.pullmail.protocol.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A peer on loopback that answers every request with the same bytes: the first {@code fast} of them at
 * once, the rest one every {@code pause}. It records the request heads it read.
 */
final class SlowServer implements AutoCloseable {

    final List<String> requests = new CopyOnWriteArrayList<>();
    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "slow-server");
        t.setDaemon(true);
        return t;
    });
    private final byte[] answer;
    private final int fast;
    private final Duration pause;

    SlowServer(String answer, int fast, Duration pause) throws IOException {
        this(0, answer, fast, pause);
    }

    private SlowServer(int port, String answer, int fast, Duration pause) throws IOException {
        this.answer = answer.getBytes(StandardCharsets.ISO_8859_1);
        this.fast = fast;
        this.pause = pause;
        this.socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** A server that answers at once, on a port chosen before (so that the answer can name it). */
    static SlowServer onPort(int port, String answer) throws IOException {
        return new SlowServer(port, answer, Integer.MAX_VALUE, Duration.ZERO);
    }

    /** The same, answering slowly. */
    static SlowServer onPort(int port, String answer, int fast, Duration pause) throws IOException {
        return new SlowServer(port, answer, fast, pause);
    }

    /** An HTTP/1.1 200 whose body, of {@code length} bytes, follows the head. */
    static String ok(int length) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n"
                + "x".repeat(length);
    }

    /** An HTTP/1.1 200 with this JSON body. */
    static String json(String body) {
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n"
                + new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                threads.execute(() -> answer(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void answer(Socket connection) {
        try (connection) {
            requests.add(head(connection.getInputStream()));
            OutputStream out = connection.getOutputStream();
            out.write(answer, 0, Math.min(fast, answer.length));
            out.flush();
            for (int i = fast; i < answer.length; i++) {
                Thread.sleep(pause.toMillis());
                out.write(answer[i]);
                out.flush();
            }
            Thread.sleep(200);
        } catch (IOException | InterruptedException gone) {
            // the client hung up, as it should when the deadline passes
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                int length = contentLength(s);
                in.readNBytes(length);
                return s;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        threads.shutdownNow();
    }
}
