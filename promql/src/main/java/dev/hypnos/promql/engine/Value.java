package dev.hypnos.promql.engine;

/** A PromQL evaluation result: scalar, string, instant vector or range vector (matrix). */
public sealed interface Value permits Scalar, StringValue, Vector, Matrix {
  /** The PromQL type name used in messages: "scalar", "string", "vector", "matrix". */
  String typeName();
}
