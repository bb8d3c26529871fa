// Jedis' `Sharded` placement written out on the real JDK (tests/real_clients.rs): not Jedis
// itself (no Jedis package is reachable here), but Java's own TreeMap (signed long order,
// put replaces), String UTF-8 encoding and java.util.regex for the key tag, so the parts of
// Jedis' behaviour that come from the JDK are the JDK's. Written from Jedis 3.6.1's
// src/main/java/redis/clients/jedis/util/Sharded.java (initialize, getShardInfo, getKeyTag)
// and util/MurmurHash.java (hash64A); src/ring/clients/jedis.rs describes the rules.
//
//     java -cp DIR JedisSharded CONFIG KEYFILE
//
// CONFIG lines: "legacy 0|1", "tag 0|1", then one shard a line: "WEIGHT" (no name) or
// "WEIGHT<TAB>NAME". KEYFILE: keys, each followed by a NUL byte. Prints one line per key: the
// index of the shard chosen.

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class JedisSharded {
    static final Pattern DEFAULT_KEY_TAG_PATTERN = Pattern.compile("\\{(.+?)\\}");

    /** MurmurHash64A, seed 0x1234ABCD, as Jedis 3.6.1's MurmurHash.hash64A computes it. */
    static long hash(byte[] data) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long m = 0xc6a4a7935bd1e995L;
        int r = 47;
        long h = 0x1234ABCD ^ (data.length * m);
        while (buf.remaining() >= 8) {
            long k = buf.getLong();
            k *= m;
            k ^= k >>> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        if (buf.remaining() > 0) {
            ByteBuffer finish = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            finish.put(buf).rewind();
            h ^= finish.getLong();
            h *= m;
        }
        h ^= h >>> r;
        h *= m;
        h ^= h >>> r;
        return h;
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        boolean legacy = lines.get(0).equals("legacy 1");
        boolean tag = lines.get(1).equals("tag 1");
        TreeMap<Long, Integer> nodes = new TreeMap<>();
        for (int i = 0; i + 2 < lines.size(); i++) {
            String[] fields = lines.get(i + 2).split("\t", 2);
            int weight = Integer.parseInt(fields[0]);
            String name = fields.length > 1 ? fields[1] : null;
            for (int n = 0; n < 160 * weight; n++) {
                String point;
                if (name == null) {
                    point = "SHARD-" + i + "-NODE-" + n;
                } else if (legacy) {
                    point = name + "*" + weight + n;
                } else {
                    point = name + "*" + n;
                }
                nodes.put(hash(point.getBytes(StandardCharsets.UTF_8)), i);
            }
        }
        byte[] data = Files.readAllBytes(Paths.get(args[1]));
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < data.length) {
            int end = start;
            while (end < data.length && data[end] != 0) end++;
            byte[] key = java.util.Arrays.copyOfRange(data, start, end);
            byte[] hashed = key;
            if (tag) {
                String text = null;
                try {
                    text = strict.decode(ByteBuffer.wrap(key)).toString();
                } catch (CharacterCodingException e) {
                    // Not text: only a byte[] key, which Jedis never tags.
                }
                if (text != null) {
                    // getShardInfo(String): getKeyTag, then SafeEncoder.encode (UTF-8).
                    Matcher matcher = DEFAULT_KEY_TAG_PATTERN.matcher(text);
                    String tagged = matcher.find() ? matcher.group(1) : text;
                    hashed = tagged.getBytes(StandardCharsets.UTF_8);
                }
            }
            SortedMap<Long, Integer> tail = nodes.tailMap(hash(hashed));
            int shard = tail.isEmpty() ? nodes.get(nodes.firstKey()) : tail.get(tail.firstKey());
            out.append(shard).append('\n');
            start = end + 1;
        }
        System.out.print(out);
    }
}
