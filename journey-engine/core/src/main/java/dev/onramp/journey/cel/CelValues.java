package dev.onramp.journey.cel;

import dev.cel.common.values.NullValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON-shaped Java values (as Jackson reads them) turned into the values CEL evaluates. */
public final class CelValues {

    private CelValues() {}

    public static Object of(Object value) {
        return switch (value) {
            case null -> NullValue.NULL_VALUE;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigInteger bi -> bi.bitLength() < 64 ? (Object) bi.longValue() : (Object) bi.doubleValue();
            case BigDecimal bd -> bd.doubleValue();
            case Map<?, ?> map -> map(map);
            case List<?> list -> list(list);
            default -> value.toString();
        };
    }

    public static Map<String, Object> map(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        map.forEach((k, v) -> out.put(String.valueOf(k), of(v)));
        return out;
    }

    private static List<Object> list(List<?> list) {
        List<Object> out = new ArrayList<>(list.size());
        list.forEach(v -> out.add(of(v)));
        return out;
    }
}
