/*
 * egress-bridge: listens on a loopback TCP address inside a sandbox and relays every connection
 * to a unix socket (the worker's egress proxy, bind-mounted into the container). The sandbox has
 * no network interface but loopback; this is its only way out, and only while the socket is open.
 *
 *   egress-bridge [--daemon] LISTEN_ADDR SOCKET_PATH      e.g. 127.0.0.1:3128 /run/patchbay/egress/proxy.sock
 *
 * --daemon: listen first, then detach (new session, stdio on /dev/null) and let the parent exit 0,
 * so the caller knows the port is open when the command returns. Errors go to stderr, exit 1.
 *
 * One process, one poll loop, no threads, no forks per connection (the sandbox's pids limit stays
 * free for the job). Each direction has its own buffer; end of input on one side becomes a
 * shutdown(SHUT_WR) on the other once the buffer is drained, so half-closed streams work.
 * When the proxy socket refuses (the door is closed), the client gets a short 502 text answer.
 * Built with `cc -static` and no name resolution, so it runs in any glibc or musl image.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 512
#define BUF_SIZE 65536
#define DRAIN_SECONDS 2

static const char REFUSED_BODY[] =
    "Patchbay: this sandbox has no network access now (its egress proxy is closed).\n";
static char refused[256];
static int refused_len;

struct side {
  int fd;
  int eof;       /* read returned 0 */
  int wshut;     /* we sent shutdown(SHUT_WR) to this fd */
  int gone;      /* stopped taking bytes (EPIPE, ECONNRESET): what it would be sent is dropped */
  char *buf;     /* bytes read from this side, waiting to be written to the other */
  size_t len, off;
};

struct pair {
  struct side c; /* the TCP client inside the sandbox */
  struct side u; /* the unix socket to the proxy; fd -1 when refused */
  time_t drain_until; /* refused: read and discard until EOF or this time */
};

static struct pair *pairs[MAX_PAIRS];
static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int set_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void die(const char *what, const char *arg) {
  fprintf(stderr, "egress-bridge: %s%s%s%s%s\n", what, arg ? " " : "", arg ? arg : "", errno ? ": " : "",
          errno ? strerror(errno) : "");
  exit(1);
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 1 || port > 65535) return -1;
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = 0;
  memset(ss, 0, sizeof *ss);
  size_t hl = strlen(host);
  if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    host[hl - 1] = 0;
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) return -1;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((unsigned short)port);
    *len = sizeof *a6;
    return 0;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return -1;
  a4->sin_family = AF_INET;
  a4->sin_port = htons((unsigned short)port);
  *len = sizeof *a4;
  return 0;
}

static int open_listener(const char *spec) {
  struct sockaddr_storage ss;
  socklen_t len;
  errno = 0;
  if (parse_listen(spec, &ss, &len) != 0) die("bad listen address (want IP:PORT):", spec);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", NULL);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
    if (errno == EADDRINUSE) die("cannot listen (is a bridge already running?) on", spec);
    die("cannot listen on", spec);
  }
  if (listen(fd, 128) != 0 || set_nonblock(fd) != 0) die("listen", spec);
  return fd;
}

static void close_side(struct side *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  free(s->buf);
  s->buf = NULL;
}

static void free_pair(int i) {
  close_side(&pairs[i]->c);
  close_side(&pairs[i]->u);
  free(pairs[i]);
  pairs[i] = NULL;
}

static int connect_proxy(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Accepts one waiting connection; returns 0 when there is none (or no free slot). */
static int accept_one(int lfd, const char *path) {
  int slot = -1;
  for (int i = 0; i < MAX_PAIRS; i++)
    if (!pairs[i]) {
      slot = i;
      break;
    }
  if (slot < 0) return 0; /* full: leave it in the backlog until a pair frees */
  int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return 0;
  struct pair *p = calloc(1, sizeof *p);
  if (!p) {
    close(c);
    return 1;
  }
  p->c.fd = c;
  p->u.fd = connect_proxy(path);
  if (p->u.fd < 0) {
    /* Small enough for the socket buffer: one send, then drain what the client sends. */
    (void)send(c, refused, (size_t)refused_len, MSG_NOSIGNAL);
    shutdown(c, SHUT_WR);
    p->drain_until = time(NULL) + DRAIN_SECONDS;
  } else {
    p->c.buf = malloc(BUF_SIZE);
    p->u.buf = malloc(BUF_SIZE);
    if (!p->c.buf || !p->u.buf) {
      pairs[slot] = p;
      free_pair(slot);
      return 1;
    }
  }
  pairs[slot] = p;
  return 1;
}

/* Reads from `from` into its buffer; returns -1 when the pair must close. */
static int pump_in(struct side *from, struct side *to) {
  ssize_t n = read(from->fd, from->buf, BUF_SIZE);
  if (n > 0) {
    /* Nobody takes them: read on so the sender is not stuck, and drop them. */
    from->len = to->gone ? 0 : (size_t)n;
    from->off = 0;
    return 0;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  /* A reset comes after every byte the peer sent: the end of its stream, the other way goes on. */
  if (n < 0 && errno != ECONNRESET) return -1;
  from->eof = 1;
  if (!to->wshut) {
    shutdown(to->fd, SHUT_WR);
    to->wshut = 1;
  }
  return 0;
}

/*
 * Writes `from`'s buffered bytes to `to`; returns -1 when the pair must close. With `may_go`, a
 * `to` that stopped taking bytes only ends this direction: the proxy answers a refused request
 * (a 403) and closes before reading its body, and that answer must still reach the client. A
 * client that went away ends the pair: nobody is left to answer.
 */
static int pump_out(struct side *from, struct side *to, int may_go) {
  ssize_t n = send(to->fd, from->buf + from->off, from->len - from->off, MSG_NOSIGNAL);
  if (n < 0 && may_go && (errno == EPIPE || errno == ECONNRESET)) {
    to->gone = 1;
    from->len = from->off = 0;
    return 0;
  }
  if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
  from->off += (size_t)n;
  if (from->off == from->len) from->len = from->off = 0;
  return 0;
}

static int want_read(const struct side *s) { return !s->eof && s->len == 0; }

static void step_refused(int i, short rev) {
  struct pair *p = pairs[i];
  char sink[4096];
  if (rev & (POLLIN | POLLHUP | POLLERR)) {
    ssize_t n = read(p->c.fd, sink, sizeof sink);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      free_pair(i);
      return;
    }
  }
  if (time(NULL) >= p->drain_until) free_pair(i);
}

static void step_pair(int i, short crev, short urev) {
  struct pair *p = pairs[i];
  int bad = 0;
  if (!bad && (crev & (POLLIN | POLLHUP | POLLERR)) && want_read(&p->c)) bad = pump_in(&p->c, &p->u);
  if (!bad && (urev & (POLLIN | POLLHUP | POLLERR)) && want_read(&p->u)) bad = pump_in(&p->u, &p->c);
  if (!bad && p->c.len && (urev & (POLLOUT | POLLERR))) bad = pump_out(&p->c, &p->u, 1);
  if (!bad && p->u.len && (crev & (POLLOUT | POLLERR))) bad = pump_out(&p->u, &p->c, 0);
  if (bad || (p->c.eof && p->u.eof && !p->c.len && !p->u.len)) free_pair(i);
}

static void run(int lfd, const char *path) {
  static struct pollfd fds[1 + 2 * MAX_PAIRS];
  static int owner[1 + 2 * MAX_PAIRS];
  while (!stopping) {
    int n = 0, used = 0;
    fds[n].fd = lfd;
    fds[n].events = POLLIN;
    owner[n++] = -1;
    for (int i = 0; i < MAX_PAIRS; i++) {
      struct pair *p = pairs[i];
      if (!p) continue;
      used++;
      short cev = (short)((want_read(&p->c) || p->u.fd < 0 ? POLLIN : 0) | (p->u.len ? POLLOUT : 0));
      /* A side we want nothing from is left out: its POLLHUP alone would make poll spin. */
      fds[n].fd = cev ? p->c.fd : -1;
      fds[n].events = cev;
      owner[n++] = i;
      if (p->u.fd < 0) continue;
      short uev = (short)((want_read(&p->u) ? POLLIN : 0) | (p->c.len ? POLLOUT : 0));
      fds[n].fd = uev ? p->u.fd : -1;
      fds[n].events = uev;
      owner[n++] = i;
    }
    if (used == MAX_PAIRS) fds[0].fd = -1; /* full: stop accepting for now */
    if (poll(fds, (nfds_t)n, 1000) < 0) {
      if (errno == EINTR) continue;
      die("poll", NULL);
    }
    for (int k = 1; k < n; k++) {
      int i = owner[k];
      if (!pairs[i]) continue;
      if (pairs[i]->u.fd < 0) {
        step_refused(i, fds[k].revents);
        continue;
      }
      /* Both fds of a pair are adjacent: handle them together, then skip the second. */
      int two = k + 1 < n && owner[k + 1] == i;
      short crev = fds[k].revents, urev = two ? fds[k + 1].revents : 0;
      k += two;
      if (crev || urev) step_pair(i, crev, urev);
    }
    if (fds[0].revents & POLLIN)
      while (accept_one(lfd, path)) {
      }
  }
}

static void daemonize(void) {
  pid_t pid = fork();
  if (pid < 0) die("fork", NULL);
  if (pid > 0) _exit(0);
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
}

int main(int argc, char **argv) {
  int daemon = argc > 1 && strcmp(argv[1], "--daemon") == 0;
  if (argc != 3 + daemon) {
    fprintf(stderr, "usage: egress-bridge [--daemon] LISTEN_ADDR SOCKET_PATH\n");
    return 2;
  }
  const char *listen_spec = argv[1 + daemon], *path = argv[2 + daemon];
  if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    errno = 0;
    die("socket path too long:", path);
  }
  refused_len = snprintf(refused, sizeof refused,
                         "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                         sizeof REFUSED_BODY - 1, REFUSED_BODY);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  int lfd = open_listener(listen_spec);
  if (daemon) daemonize();
  run(lfd, path);
  for (int i = 0; i < MAX_PAIRS; i++)
    if (pairs[i]) free_pair(i);
  close(lfd);
  return 0;
}
