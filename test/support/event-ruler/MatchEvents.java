import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.event.ruler.Machine;

/**
 * Reads {"pattern": {...}, "events": [{...}, ...]} from standard input and prints, one line per event, whether
 * EventBridge's own matcher (Event Ruler) matches the event to the pattern: "true" or "false".
 */
public final class MatchEvents {
    private MatchEvents() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode request = json.readTree(System.in);
        Machine machine = Machine.builder().build();
        machine.addRule("pattern", json.writeValueAsString(request.get("pattern")));
        StringBuilder answers = new StringBuilder();
        for (JsonNode event : request.get("events")) {
            answers.append(!machine.rulesForJSONEvent(json.writeValueAsString(event)).isEmpty()).append('\n');
        }
        System.out.print(answers);
    }
}
