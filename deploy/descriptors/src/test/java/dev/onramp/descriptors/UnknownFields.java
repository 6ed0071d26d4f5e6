package dev.onramp.descriptors;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Every field of a manifest that its model class does not know. fabric8's and Strimzi's classes keep unknown fields in
 * {@code additionalProperties} (a {@code @JsonAnySetter}) instead of refusing them, so that a newer API server's fields
 * survive a round trip; a misspelt {@code replicaz} is therefore read without complaint. This walks the object graph
 * read from the manifest, by the same properties Jackson uses, and reports each non-empty {@code additionalProperties}
 * with its path.
 */
final class UnknownFields {

    private UnknownFields() {}

    static List<String> of(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        switch (value) {
            case null -> {}
            case Collection<?> list -> {
                int i = 0;
                for (Object item : list) {
                    walk(item, path + "[" + i++ + "]", found);
                }
            }
            case Map<?, ?> map -> map.forEach((k, v) -> walk(v, join(path, String.valueOf(k)), found));
            default -> {
                if (isModel(value.getClass())) {
                    bean(value, path, found);
                }
            }
        }
    }

    private static void bean(Object bean, String path, List<String> found) {
        additional(bean).keySet().forEach(name -> found.add(join(path, String.valueOf(name))));
        BeanDescription description =
                Manifests.MODEL.getSerializationConfig().introspect(Manifests.MODEL.constructType(bean.getClass()));
        for (BeanPropertyDefinition property : description.findProperties()) {
            AnnotatedMember accessor = property.getAccessor();
            if (accessor == null || property.getName().equals("additionalProperties")) {
                continue;
            }
            accessor.fixAccess(true);
            Object child;
            try {
                child = accessor.getValue(bean);
            } catch (RuntimeException e) {
                continue; // a computed property that does not apply to this value
            }
            walk(child, join(path, property.getName()), found);
        }
    }

    private static Map<?, ?> additional(Object bean) {
        try {
            Method getter = bean.getClass().getMethod("getAdditionalProperties");
            return getter.invoke(bean) instanceof Map<?, ?> map ? map : Map.of();
        } catch (NoSuchMethodException e) {
            return Map.of();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the unknown fields of " + bean.getClass(), e);
        }
    }

    private static boolean isModel(Class<?> type) {
        String name = type.getName();
        return !type.isEnum() && (name.startsWith("io.fabric8.") || name.startsWith("io.strimzi."));
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
