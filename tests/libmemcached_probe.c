/*
 * Asks the real libmemcached which server each key goes to; no server needs to run.
 * Built and driven by tests/real_libmemcached.rs.
 *
 *   libmemcached_probe MODE HASH SERVERS KEYS
 *
 * MODE    modula | consistent | ketama | ketama-weighted | ketama-spy | consistent-spy
 * HASH    a ringscope hash name (one_at_a_time, md5, crc32, fnv1_64, fnv1a_64, fnv1_32,
 *         fnv1a_32, hsieh, murmur, jenkins, murmur3), or "-" to keep the mode's default
 * SERVERS one server per line, "HOST PORT WEIGHT"; a HOST starting with '/' is a unix
 *         socket (memcached_server_add_unix_socket_with_weight, PORT ignored)
 * KEYS    keys, each terminated by a NUL byte
 *
 * The behaviors are set first (distribution, then the hash), then the servers are added in
 * list order with memcached_server_add_with_weight. Output: a line "state weighted=W
 * distribution=D hash=H servers=N" on stderr, then on stdout one line per key with the index
 * (in list order) of the server memcached_generate_hash picks. For every key that
 * memcached_server_by_key accepts (1..250 bytes), the server it returns must be that same
 * one, else the probe fails. Exit codes: 0 ok, 2 usage/setup error, 3 disagreement,
 * 4 the library refused the hash (MEMCACHED_BEHAVIOR_HASH failed).
 */
#include <libmemcached/memcached.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERVERS 1024

struct server {
  char host[1100];
  unsigned port;
  unsigned weight;
};

static struct server servers[MAX_SERVERS];
static size_t server_count;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "libmemcached_probe: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(2);
}

static void check(memcached_st *memc, memcached_return_t rc, const char *what) {
  if (rc != MEMCACHED_SUCCESS) {
    die(what, memcached_strerror(memc, rc));
  }
}

static int hash_by_name(const char *name) {
  static const struct {
    const char *name;
    memcached_hash_t hash;
  } table[] = {
      {"one_at_a_time", MEMCACHED_HASH_DEFAULT}, {"md5", MEMCACHED_HASH_MD5},
      {"crc32", MEMCACHED_HASH_CRC},             {"fnv1_64", MEMCACHED_HASH_FNV1_64},
      {"fnv1a_64", MEMCACHED_HASH_FNV1A_64},     {"fnv1_32", MEMCACHED_HASH_FNV1_32},
      {"fnv1a_32", MEMCACHED_HASH_FNV1A_32},     {"hsieh", MEMCACHED_HASH_HSIEH},
      {"murmur", MEMCACHED_HASH_MURMUR},         {"jenkins", MEMCACHED_HASH_JENKINS},
      {"murmur3", MEMCACHED_HASH_MURMUR3},
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    if (strcmp(table[i].name, name) == 0) {
      return (int) table[i].hash;
    }
  }
  die("unknown hash", name);
  return -1;
}

static void set_mode(memcached_st *memc, const char *mode) {
  if (strcmp(mode, "modula") == 0) {
    check(memc,
          memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                 MEMCACHED_DISTRIBUTION_MODULA),
          "DISTRIBUTION=MODULA");
  } else if (strcmp(mode, "consistent") == 0) {
    check(memc,
          memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                 MEMCACHED_DISTRIBUTION_CONSISTENT),
          "DISTRIBUTION=CONSISTENT");
  } else if (strcmp(mode, "ketama") == 0) {
    check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA, 1), "KETAMA=1");
  } else if (strcmp(mode, "ketama-weighted") == 0) {
    check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
          "KETAMA_WEIGHTED=1");
  } else if (strcmp(mode, "ketama-spy") == 0) {
    check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
          "KETAMA_WEIGHTED=1");
    check(memc,
          memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                 MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY),
          "DISTRIBUTION=CONSISTENT_KETAMA_SPY");
  } else if (strcmp(mode, "consistent-spy") == 0) {
    check(memc,
          memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                 MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY),
          "DISTRIBUTION=CONSISTENT_KETAMA_SPY");
  } else {
    die("unknown mode", mode);
  }
}

static void read_servers(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    die("cannot open server list", path);
  }
  while (server_count < MAX_SERVERS) {
    struct server *s = &servers[server_count];
    int n = fscanf(f, "%1099s %u %u", s->host, &s->port, &s->weight);
    if (n == EOF) {
      break;
    }
    if (n != 3) {
      die("bad server line in", path);
    }
    server_count++;
  }
  fclose(f);
  if (server_count == 0) {
    die("no servers in", path);
  }
}

static char *read_file(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    die("cannot open key file", path);
  }
  size_t cap = 1 << 16, len = 0;
  char *data = malloc(cap);
  for (;;) {
    if (len == cap) {
      cap *= 2;
      data = realloc(data, cap);
    }
    if (!data) {
      die("out of memory", NULL);
    }
    size_t n = fread(data + len, 1, cap - len, f);
    if (n == 0) {
      break;
    }
    len += n;
  }
  fclose(f);
  *length = len;
  return data;
}

/* The list index of the server named `name`:`port`, or -1. */
static long index_of(const char *name, unsigned port) {
  for (size_t i = 0; i < server_count; i++) {
    unsigned want = servers[i].host[0] == '/' ? 0 : servers[i].port;
    if (strcmp(servers[i].host, name) == 0 && want == port) {
      return (long) i;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    die("usage: libmemcached_probe MODE HASH SERVERS KEYS", NULL);
  }
  memcached_st *memc = memcached_create(NULL);
  if (!memc) {
    die("memcached_create failed", NULL);
  }
  set_mode(memc, argv[1]);
  if (strcmp(argv[2], "-") != 0) {
    memcached_return_t rc =
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_HASH, (uint64_t) hash_by_name(argv[2]));
    if (rc != MEMCACHED_SUCCESS) {
      fprintf(stderr, "libmemcached_probe: MEMCACHED_BEHAVIOR_HASH=%s refused: %s\n", argv[2],
              memcached_strerror(memc, rc));
      return 4;
    }
  }
  read_servers(argv[3]);
  for (size_t i = 0; i < server_count; i++) {
    struct server *s = &servers[i];
    memcached_return_t rc =
        s->host[0] == '/' ? memcached_server_add_unix_socket_with_weight(memc, s->host, s->weight)
                          : memcached_server_add_with_weight(memc, s->host, (in_port_t) s->port,
                                                             s->weight);
    check(memc, rc, "adding a server");
  }
  if (memcached_server_count(memc) != server_count) {
    die("server count differs from the list", NULL);
  }
  fprintf(stderr, "state weighted=%llu distribution=%llu hash=%llu servers=%u\n",
          (unsigned long long) memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED),
          (unsigned long long) memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION),
          (unsigned long long) memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_HASH),
          memcached_server_count(memc));

  size_t length;
  char *data = read_file(argv[4], &length);
  size_t start = 0, keys = 0, by_key = 0;
  for (size_t i = 0; i < length; i++) {
    if (data[i] != 0) {
      continue;
    }
    const char *key = data + start;
    size_t key_length = i - start;
    start = i + 1;
    keys++;
    uint32_t index = memcached_generate_hash(memc, key, key_length);
    if (index >= server_count) {
      fprintf(stderr, "libmemcached_probe: key #%zu: generate_hash gave %u\n", keys - 1, index);
      return 3;
    }
    if (key_length > 0 && key_length < MEMCACHED_MAX_KEY) {
      memcached_return_t rc;
      const memcached_instance_st *server = memcached_server_by_key(memc, key, key_length, &rc);
      if (!server) {
        fprintf(stderr, "libmemcached_probe: key #%zu: server_by_key failed: %s\n", keys - 1,
                memcached_strerror(memc, rc));
        return 3;
      }
      long found = index_of(memcached_server_name(server), memcached_server_port(server));
      if (found != (long) index) {
        fprintf(stderr,
                "libmemcached_probe: key #%zu: server_by_key gave %s:%u (list index %ld), "
                "generate_hash index %u\n",
                keys - 1, memcached_server_name(server), memcached_server_port(server), found,
                index);
        return 3;
      }
      by_key++;
    }
    printf("%u\n", index);
  }
  if (start != length) {
    die("the key file does not end with a NUL", NULL);
  }
  fprintf(stderr, "keys=%zu by_key=%zu\n", keys, by_key);
  free(data);
  memcached_free(memc);
  return 0;
}
