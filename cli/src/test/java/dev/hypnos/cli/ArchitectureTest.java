package dev.hypnos.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The dependency direction of ARCHITECTURE.md, checked on the compiled main classes of every
 * module (the cli module's test classpath holds them all). A module may use only the modules
 * listed for it; applications never use each other.
 */
class ArchitectureTest {
  /** Module package -> the internal module packages it may depend on (besides itself). */
  private static final Map<String, List<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("dev.hypnos.proto", List.of()),
          Map.entry("dev.hypnos.core", List.of()),
          Map.entry("dev.hypnos.objstore.s3", List.of("dev.hypnos.core")),
          Map.entry("dev.hypnos.promql", List.of("dev.hypnos.core")),
          Map.entry("dev.hypnos.storeapi", List.of("dev.hypnos.core", "dev.hypnos.proto")),
          Map.entry(
              "dev.hypnos.sidecarclient",
              List.of("dev.hypnos.storeapi", "dev.hypnos.core", "dev.hypnos.proto")),
          Map.entry(
              "dev.hypnos.storegateway",
              List.of("dev.hypnos.storeapi", "dev.hypnos.core", "dev.hypnos.objstore.s3", "dev.hypnos.proto")),
          Map.entry("dev.hypnos.compactor", List.of("dev.hypnos.core", "dev.hypnos.objstore.s3")),
          Map.entry(
              "dev.hypnos.sidecar",
              List.of("dev.hypnos.storeapi", "dev.hypnos.core", "dev.hypnos.objstore.s3", "dev.hypnos.proto")),
          Map.entry(
              "dev.hypnos.querier",
              List.of(
                  "dev.hypnos.promql",
                  "dev.hypnos.storeapi",
                  "dev.hypnos.sidecarclient",
                  "dev.hypnos.core",
                  "dev.hypnos.proto")));

  private static final List<String> ALL_MODULES =
      Stream.concat(ALLOWED.keySet().stream(), Stream.of("dev.hypnos.cli", "dev.hypnos.testing", "dev.hypnos.bench"))
          .toList();

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.hypnos");
  }

  @Test
  void classesOfTheCoreModulesAreOnTheClasspath() {
    // Guards against the rules below passing vacuously.
    assertThat(classes.stream().map(c -> c.getPackageName()))
        .anyMatch(p -> p.startsWith("dev.hypnos.core"))
        .anyMatch(p -> p.startsWith("dev.hypnos.proto"))
        .anyMatch(p -> p.startsWith("dev.hypnos.cli"));
  }

  @TestFactory
  Stream<DynamicTest> eachModuleDependsOnlyOnWhatItMay() {
    return ALLOWED.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      String module = e.getKey();
                      String[] forbidden =
                          ALL_MODULES.stream()
                              .filter(m -> !m.equals(module) && !e.getValue().contains(m))
                              .map(m -> m + "..")
                              .toArray(String[]::new);
                      noClasses()
                          .that()
                          .resideInAPackage(module + "..")
                          .should()
                          .dependOnClassesThat()
                          .resideInAnyPackage(forbidden)
                          .allowEmptyShould(true)
                          .check(classes);
                    }));
  }

  @Test
  void nothingDependsOnTheCliTestingOrBench() {
    String[] users =
        ALLOWED.keySet().stream().map(m -> m + "..").toArray(String[]::new);
    noClasses()
        .that()
        .resideInAnyPackage(users)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.hypnos.cli..", "dev.hypnos.testing..", "dev.hypnos.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }
}
