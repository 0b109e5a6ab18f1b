//! What arrives: API Gateway HTTP API (v2) requests, which lambda_http turns into HTTP
//! requests; from each, the JWT authorizer's verified claims (lambda_http puts the request
//! context in the request's extensions). A request that did not pass the JWT authorizer has
//! none, and the API answers 401.

use http::request::Parts;
use lambda_http::request::RequestContext;
use std::collections::HashMap;

/// The claims of the JWT authorizer, if the request has any.
pub fn from_request_context(parts: &Parts) -> Option<HashMap<String, String>> {
    #[allow(irrefutable_let_patterns)]
    if let RequestContext::ApiGatewayV2(context) = parts.extensions.get::<RequestContext>()? {
        return context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()
            .map(|jwt| jwt.claims.clone());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(json: &str) -> Parts {
        let request = lambda_http::request::from_str(json).unwrap();
        request.into_parts().0
    }

    #[test]
    fn claims_come_from_the_jwt_authorizer_context() {
        // Arrange: the sample API Gateway HTTP API event.
        let json = include_str!("../../../events/lambda/query-apigw-http.json");
        // Act
        let claims = from_request_context(&parts(json)).unwrap();
        // Assert
        assert_eq!(claims["tenant_id"], "acme");
        assert_eq!(claims["sub"], "alice@acme.example");
    }

    #[test]
    fn a_request_without_an_authorizer_has_no_claims() {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/lambda/query-apigw-http.json"))
                .unwrap();
        event["requestContext"]
            .as_object_mut()
            .unwrap()
            .remove("authorizer");
        assert!(from_request_context(&parts(&event.to_string())).is_none());
    }
}
